# orchestrator/: the ronda command.  ORCH_SRCS is everything but main, so
# unit tests can link it.
ORCH_SRCS := orchestrator/target.c orchestrator/hostlist.c orchestrator/settings.c \
	orchestrator/inventory.c orchestrator/inventory_load.c orchestrator/inventory_trace.c orchestrator/cfgutil.c \
	orchestrator/pattern.c orchestrator/cli.c orchestrator/cmd_hosts.c \
	orchestrator/knownhosts.c orchestrator/remote.c orchestrator/ident.c \
	orchestrator/engine.c orchestrator/engine_ssh.c orchestrator/dns.c orchestrator/report.c orchestrator/cmd_exec.c \
	orchestrator/push.c orchestrator/engine_cli.c orchestrator/sshagent.c orchestrator/cmd_patrol.c \
	orchestrator/patrol.c orchestrator/playbook.c orchestrator/checkspec.c \
	orchestrator/patrol_report.c orchestrator/rundir.c orchestrator/patrol_prom.c orchestrator/patrol_html.c \
	orchestrator/patrol_diff.c orchestrator/cmd_diff.c
ORCH_MAIN := orchestrator/main.c
