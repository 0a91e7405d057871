# orchestrator/: the ronda command.  ORCH_SRCS is everything but main, so
# unit tests can link it.  One line per room.
ORCH_SRCS := \
	orchestrator/ssh/engine.c orchestrator/ssh/engine_conn.c orchestrator/ssh/engine_chan.c \
	orchestrator/ssh/engine_cli.c orchestrator/ssh/engine_jump.c orchestrator/ssh/engine_proxy.c orchestrator/ssh/engine_api.c orchestrator/ssh/engine_pool.c orchestrator/ssh/engine_side.c \
	orchestrator/ssh/dns.c orchestrator/ssh/knownhosts.c \
	orchestrator/ssh/remote.c orchestrator/ssh/ident.c orchestrator/ssh/sshagent.c \
	orchestrator/ssh/sshwire.c orchestrator/ssh/sshcert.c orchestrator/ssh/keyunlock.c orchestrator/ssh/become.c \
	orchestrator/inventory/target.c orchestrator/inventory/hostlist.c orchestrator/inventory/settings.c \
	orchestrator/inventory/inventory.c orchestrator/inventory/inventory_load.c \
	orchestrator/inventory/inventory_trace.c orchestrator/inventory/cfgutil.c \
	orchestrator/inventory/pattern.c orchestrator/inventory/hostspec.c orchestrator/inventory/shard.c \
	orchestrator/inventory/jumpspec.c orchestrator/inventory/inventory_jumps.c \
	orchestrator/inventory/sshconfig.c orchestrator/inventory/inventory_resolve.c \
	orchestrator/inventory/sshconfig_resolve.c orchestrator/inventory/sshconfig_expand.c \
	orchestrator/patrol/plan.c orchestrator/patrol/results.c orchestrator/patrol/deploy.c \
	orchestrator/patrol/playbook.c orchestrator/patrol/checkspec.c orchestrator/patrol/agent_bin.c \
	orchestrator/output/report.c orchestrator/output/summary.c orchestrator/output/verdict.c \
	orchestrator/output/json.c orchestrator/output/files.c orchestrator/output/exitcode.c \
	orchestrator/output/fold.c orchestrator/output/prom.c orchestrator/output/html.c \
	orchestrator/output/diff.c orchestrator/output/lines.c orchestrator/output/live.c \
	orchestrator/output/rerun.c orchestrator/output/merge.c orchestrator/output/runread.c \
	orchestrator/output/spread.c orchestrator/output/color.c \
	orchestrator/copy/copyproto.c orchestrator/copy/manifest.c orchestrator/copy/fetchproto.c \
	orchestrator/copy/fetchstore.c \
	orchestrator/warm/wire.c orchestrator/warm/server.c orchestrator/warm/hosts.c orchestrator/warm/client.c \
	orchestrator/cli.c orchestrator/cmd_hosts.c orchestrator/cmd_exec.c orchestrator/cmd_patrol.c \
	orchestrator/cmd_diff.c orchestrator/cmd_merge.c orchestrator/cmd_copy.c orchestrator/cmd_serve.c
ORCH_MAIN := orchestrator/main.c
