// The one C header Swift sees for rabbitmq-c 0.11 (Debian 12's librabbitmq-dev).
// Swift cannot call C-variadic functions, so login is wrapped here with fixed arguments.
#ifndef OPEN137_CRABBITMQ_SHIM_H
#define OPEN137_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <poll.h>
#include <sys/time.h>

/// Logs in with PLAIN credentials and announces the capabilities Open137 relies on
/// (`connection.blocked`, `consumer_cancel_notify`, `publisher_confirms`, `basic.nack`), so that the broker
/// sends those notifications at all. `connection_name` shows in the management UI.
static inline amqp_rpc_reply_t open137_login(amqp_connection_state_t state, const char *vhost,
                                             int channel_max, int frame_max, int heartbeat,
                                             const char *user, const char *password,
                                             const char *connection_name) {
    amqp_table_entry_t capabilities[4];
    capabilities[0].key = amqp_cstring_bytes("connection.blocked");
    capabilities[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capabilities[0].value.value.boolean = 1;
    capabilities[1].key = amqp_cstring_bytes("consumer_cancel_notify");
    capabilities[1].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capabilities[1].value.value.boolean = 1;
    capabilities[2].key = amqp_cstring_bytes("publisher_confirms");
    capabilities[2].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capabilities[2].value.value.boolean = 1;
    capabilities[3].key = amqp_cstring_bytes("basic.nack");
    capabilities[3].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capabilities[3].value.value.boolean = 1;

    amqp_table_entry_t properties[3];
    properties[0].key = amqp_cstring_bytes("capabilities");
    properties[0].value.kind = AMQP_FIELD_KIND_TABLE;
    properties[0].value.value.table.num_entries = 4;
    properties[0].value.value.table.entries = capabilities;
    properties[1].key = amqp_cstring_bytes("connection_name");
    properties[1].value.kind = AMQP_FIELD_KIND_UTF8;
    properties[1].value.value.bytes = amqp_cstring_bytes(connection_name);
    properties[2].key = amqp_cstring_bytes("product");
    properties[2].value.kind = AMQP_FIELD_KIND_UTF8;
    properties[2].value.value.bytes = amqp_cstring_bytes("Open137");

    amqp_table_t table;
    table.num_entries = 3;
    table.entries = properties;
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, &table,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

#endif
