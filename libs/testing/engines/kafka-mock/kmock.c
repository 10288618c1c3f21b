/*
 * kmock: librdkafka's mock Kafka cluster as a child process for integration tests.
 *
 * Usage: kmock <broker-count> [<topic>:<partitions>:<replication-factor> ...]
 *
 * On start it prints one line, `bootstrap <host:port,...>`, on stdout. It then reads one
 * command per line on stdin and answers each with exactly one line, `ok` or `error <reason>`,
 * so the caller can await every fault it injects:
 *
 *   topic <name> <partitions> <replication-factor>   create a topic (the mock has no CreateTopics)
 *   down <broker-id>                                  stop serving on that broker's listener
 *   up <broker-id>                                    serve again
 *   errors <api-key> <error-code> [<error-code> ...]  fail the next requests of that API key
 *   rtt <broker-id> <milliseconds>                    delay that broker's responses
 *   ping                                              liveness probe
 *
 * It exits when stdin reaches end-of-file. The test process holds the other end of the pipe,
 * so if the test dies for any reason the kernel closes the pipe and no broker is left behind.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Bounds keep a malformed command from asking for absurd work; tests need far less. */
#define BROKER_COUNT_MAX 16
#define PARTITION_COUNT_MAX 256
#define REQUEST_ERRORS_MAX 64
#define COMMAND_LENGTH_MAX 4096

static void reply_ok(void) {
        fputs("ok\n", stdout);
        fflush(stdout);
}

static void reply_error(const char *reason) {
        fprintf(stdout, "error %s\n", reason);
        fflush(stdout);
}

/* Parses a base-10 integer that must fill the whole token and lie in [min, max]. */
static int parse_long(const char *text, long min, long max, long *out) {
        char *end = NULL;
        long value;
        if (text == NULL || *text == '\0') {
                return -1;
        }
        errno = 0;
        value = strtol(text, &end, 10);
        if (errno != 0 || *end != '\0' || value < min || value > max) {
                return -1;
        }
        *out = value;
        return 0;
}

static int create_topic(rd_kafka_mock_cluster_t *cluster, const char *name,
                        const char *partitions_text, const char *replication_text,
                        long broker_count) {
        long partitions, replication;
        rd_kafka_resp_err_t err;
        if (name == NULL || *name == '\0' ||
            parse_long(partitions_text, 1, PARTITION_COUNT_MAX, &partitions) != 0 ||
            parse_long(replication_text, 1, broker_count, &replication) != 0) {
                reply_error("usage: topic <name> <partitions 1..256> <replication-factor 1..brokers>");
                return -1;
        }
        err = rd_kafka_mock_topic_create(cluster, name, (int)partitions, (int)replication);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                reply_error(rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

static void set_broker(rd_kafka_mock_cluster_t *cluster, const char *id_text, int up,
                       long broker_count) {
        long broker_id;
        rd_kafka_resp_err_t err;
        if (parse_long(id_text, 1, broker_count, &broker_id) != 0) {
                reply_error("usage: down|up <broker-id 1..brokers>");
                return;
        }
        err = up ? rd_kafka_mock_broker_set_up(cluster, (int32_t)broker_id)
                 : rd_kafka_mock_broker_set_down(cluster, (int32_t)broker_id);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                reply_error(rd_kafka_err2str(err));
                return;
        }
        reply_ok();
}

static void push_errors(rd_kafka_mock_cluster_t *cluster, char **save) {
        long api_key, code;
        rd_kafka_resp_err_t errors[REQUEST_ERRORS_MAX];
        size_t count = 0;
        char *token;
        if (parse_long(strtok_r(NULL, " \t", save), 0, SHRT_MAX, &api_key) != 0) {
                reply_error("usage: errors <api-key> <error-code> [<error-code> ...]");
                return;
        }
        while ((token = strtok_r(NULL, " \t", save)) != NULL) {
                if (count == REQUEST_ERRORS_MAX) {
                        reply_error("too many error codes (at most 64)");
                        return;
                }
                if (parse_long(token, SHRT_MIN, SHRT_MAX, &code) != 0) {
                        reply_error("error codes are integers (Kafka protocol error codes)");
                        return;
                }
                errors[count++] = (rd_kafka_resp_err_t)code;
        }
        if (count == 0) {
                reply_error("usage: errors <api-key> <error-code> [<error-code> ...]");
                return;
        }
        rd_kafka_mock_push_request_errors_array(cluster, (int16_t)api_key, count, errors);
        reply_ok();
}

static void set_rtt(rd_kafka_mock_cluster_t *cluster, const char *id_text, const char *rtt_text,
                    long broker_count) {
        long broker_id, rtt_ms;
        rd_kafka_resp_err_t err;
        if (parse_long(id_text, 1, broker_count, &broker_id) != 0 ||
            parse_long(rtt_text, 0, 60000, &rtt_ms) != 0) {
                reply_error("usage: rtt <broker-id 1..brokers> <milliseconds 0..60000>");
                return;
        }
        err = rd_kafka_mock_broker_set_rtt(cluster, (int32_t)broker_id, (int)rtt_ms);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                reply_error(rd_kafka_err2str(err));
                return;
        }
        reply_ok();
}

/* A topic argument is `<name>:<partitions>:<replication-factor>`. */
static int create_topic_from_argument(rd_kafka_mock_cluster_t *cluster, char *argument,
                                      long broker_count) {
        char *replication = strrchr(argument, ':');
        char *partitions;
        if (replication == NULL) {
                return -1;
        }
        *replication++ = '\0';
        partitions = strrchr(argument, ':');
        if (partitions == NULL) {
                return -1;
        }
        *partitions++ = '\0';
        return create_topic(cluster, argument, partitions, replication, broker_count);
}

int main(int argc, char **argv) {
        char errstr[512];
        char line[COMMAND_LENGTH_MAX];
        long broker_count;
        rd_kafka_conf_t *conf;
        rd_kafka_t *handle;
        rd_kafka_mock_cluster_t *cluster;
        int i;

        if (argc < 2 || parse_long(argv[1], 1, BROKER_COUNT_MAX, &broker_count) != 0) {
                fprintf(stderr, "usage: %s <broker-count 1..16> [<topic>:<partitions>:<rf> ...]\n",
                        argv[0]);
                return 2;
        }

        /* The mock cluster needs a client handle for its bookkeeping; this one sends nothing. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "kmock: %s\n", errstr);
                return 1;
        }
        handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (handle == NULL) {
                fprintf(stderr, "kmock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        cluster = rd_kafka_mock_cluster_new(handle, (int)broker_count);
        if (cluster == NULL) {
                fprintf(stderr, "kmock: could not create the mock cluster\n");
                rd_kafka_destroy(handle);
                return 1;
        }

        for (i = 2; i < argc; i++) {
                if (create_topic_from_argument(cluster, argv[i], broker_count) != 0) {
                        fprintf(stderr, "kmock: bad topic argument %s\n", argv[i]);
                        rd_kafka_mock_cluster_destroy(cluster);
                        rd_kafka_destroy(handle);
                        return 2;
                }
        }

        fprintf(stdout, "bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
        fflush(stdout);

        while (fgets(line, sizeof(line), stdin) != NULL) {
                char *save = NULL;
                char *command;
                line[strcspn(line, "\r\n")] = '\0';
                command = strtok_r(line, " \t", &save);
                if (command == NULL) {
                        reply_error("empty command");
                } else if (strcmp(command, "topic") == 0) {
                        const char *name = strtok_r(NULL, " \t", &save);
                        const char *partitions = strtok_r(NULL, " \t", &save);
                        const char *replication = strtok_r(NULL, " \t", &save);
                        if (create_topic(cluster, name, partitions, replication, broker_count) ==
                            0) {
                                reply_ok();
                        }
                } else if (strcmp(command, "down") == 0) {
                        set_broker(cluster, strtok_r(NULL, " \t", &save), 0, broker_count);
                } else if (strcmp(command, "up") == 0) {
                        set_broker(cluster, strtok_r(NULL, " \t", &save), 1, broker_count);
                } else if (strcmp(command, "errors") == 0) {
                        push_errors(cluster, &save);
                } else if (strcmp(command, "rtt") == 0) {
                        const char *id = strtok_r(NULL, " \t", &save);
                        set_rtt(cluster, id, strtok_r(NULL, " \t", &save), broker_count);
                } else if (strcmp(command, "ping") == 0) {
                        reply_ok();
                } else {
                        reply_error("unknown command");
                }
        }

        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(handle);
        return 0;
}
