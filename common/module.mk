# common/: what the orchestrator and the agent share.
COMMON_SRCS := common/buf.c common/err.c common/escape.c common/grow.c common/file_replace.c \
	common/log.c common/proto.c common/proto_schema.c common/secret.c common/frame.c
