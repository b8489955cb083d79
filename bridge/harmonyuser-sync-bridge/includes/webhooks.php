<?php
/** Webhook subscriptions (manage_options), stored in the non-autoloaded option harmonyuser_bridge_webhooks. */

if (!defined('ABSPATH')) {
    exit;
}

function harmonyuser_bridge_event_names() {
    return array('user.created', 'user.updated', 'user.deleted', 'user.password_changed');
}

/** id => ['id','url','secret','events','created'] */
function harmonyuser_bridge_webhooks() {
    $hooks = get_option('harmonyuser_bridge_webhooks', array());
    return is_array($hooks) ? $hooks : array();
}

function harmonyuser_bridge_webhook_public($hook) {
    return array('id' => $hook['id'], 'url' => $hook['url'], 'events' => array_values($hook['events']), 'created' => $hook['created']);
}

function harmonyuser_bridge_manage_permission() {
    return current_user_can('manage_options');
}

add_action('rest_api_init', function () {
    register_rest_route(HARMONYUSER_BRIDGE_NS, '/webhooks', array(
        array(
            'methods' => 'GET',
            'permission_callback' => 'harmonyuser_bridge_manage_permission',
            'callback' => function () {
                return rest_ensure_response(array_values(array_map('harmonyuser_bridge_webhook_public', harmonyuser_bridge_webhooks())));
            },
        ),
        array(
            'methods' => 'POST',
            'permission_callback' => 'harmonyuser_bridge_manage_permission',
            'args' => array(
                'url' => array('type' => 'string', 'required' => true),
                'secret' => array('type' => 'string', 'required' => true),
                'events' => array(
                    'type' => 'array',
                    'items' => array('type' => 'string', 'enum' => harmonyuser_bridge_event_names()),
                    'default' => harmonyuser_bridge_event_names(),
                ),
            ),
            'callback' => function (WP_REST_Request $request) {
                $url = trim((string) $request['url']);
                $parts = wp_parse_url($url);
                if (!$parts || empty($parts['scheme']) || !in_array(strtolower($parts['scheme']), array('http', 'https'), true) || empty($parts['host']) || esc_url_raw($url, array('http', 'https')) !== $url) {
                    return new WP_Error('harmonyuser_invalid_url', 'The webhook URL must be an absolute http or https URL.', array('status' => 400));
                }
                $secret = (string) $request['secret'];
                if (strlen($secret) < 16) {
                    return new WP_Error('harmonyuser_weak_secret', 'The webhook secret must have at least 16 characters.', array('status' => 400));
                }
                $events = array_values(array_unique((array) $request['events']));
                if (!$events) {
                    return new WP_Error('harmonyuser_no_events', 'Subscribe to at least one event.', array('status' => 400));
                }
                $hooks = harmonyuser_bridge_webhooks();
                $id = wp_generate_uuid4();
                $hooks[$id] = array('id' => $id, 'url' => $url, 'secret' => $secret, 'events' => $events, 'created' => harmonyuser_bridge_now_iso());
                update_option('harmonyuser_bridge_webhooks', $hooks, false);
                $response = rest_ensure_response(harmonyuser_bridge_webhook_public($hooks[$id]));
                $response->set_status(201);
                return $response;
            },
        ),
    ));
    register_rest_route(HARMONYUSER_BRIDGE_NS, '/webhooks/(?P<id>[A-Za-z0-9-]+)', array(
        'methods' => 'DELETE',
        'permission_callback' => 'harmonyuser_bridge_manage_permission',
        'callback' => function (WP_REST_Request $request) {
            global $wpdb;
            $hooks = harmonyuser_bridge_webhooks();
            $id = (string) $request['id'];
            if (!isset($hooks[$id])) {
                return new WP_Error('harmonyuser_webhook_not_found', 'No such webhook subscription.', array('status' => 404));
            }
            $gone = harmonyuser_bridge_webhook_public($hooks[$id]);
            unset($hooks[$id]);
            update_option('harmonyuser_bridge_webhooks', $hooks, false);
            // Undelivered events of this subscription can never be delivered now.
            $wpdb->query($wpdb->prepare('DELETE FROM ' . harmonyuser_bridge_queue_table() . " WHERE webhook_id = %s AND status IN ('pending','sending')", $id));
            return rest_ensure_response(array('deleted' => true, 'previous' => $gone));
        },
    ));
});
