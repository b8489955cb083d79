<?php
/**
 * Webhook subscriptions (manage_options), stored in the non-autoloaded option harmonyuser_bridge_webhooks.
 *
 * A subscription lives and dies with whoever created it: it records its owner and, when it was created with an
 * application password, that password's UUID. It is removed when that application password is revoked, when the
 * owner is deleted, or when the owner can no longer manage options and list users (checked again before every
 * delivery, so even a revocation that bypassed WordPress's hooks stops it). Receivers on loopback, private or
 * reserved addresses, or on ports other than 80, 443 and 8080, are refused unless the admin opted in
 * (Settings → HarmonyUser Sync, "Allow local and private receivers").
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS', 'harmonyuser_bridge_new_subscriptions');

function harmonyuser_bridge_event_names() {
    return array('user.created', 'user.updated', 'user.deleted', 'user.password_changed');
}

/** id => ['id','url','secret','events','created','owner','app_password','app_password_name'] */
function harmonyuser_bridge_webhooks() {
    $hooks = get_option('harmonyuser_bridge_webhooks', array());
    return is_array($hooks) ? $hooks : array();
}

function harmonyuser_bridge_webhook_public($hook) {
    $owner = !empty($hook['owner']) ? get_userdata((int) $hook['owner']) : null;
    return array(
        'id' => $hook['id'],
        'url' => $hook['url'],
        'events' => array_values($hook['events']),
        'created' => $hook['created'],
        'createdBy' => array(
            'userId' => !empty($hook['owner']) ? (int) $hook['owner'] : null,
            'login' => $owner ? $owner->user_login : null,
            'appPassword' => !empty($hook['app_password']) ? $hook['app_password'] : null,
            'appPasswordName' => !empty($hook['app_password_name']) ? $hook['app_password_name'] : null,
        ),
    );
}

function harmonyuser_bridge_manage_permission() {
    return current_user_can('manage_options');
}

/* ------------------------------------------------------------------ receiver URLs */

/** Loopback, private, link-local, shared, documentation, multicast and reserved ranges (IPv4 and IPv6). */
function harmonyuser_bridge_ip_is_private($ip) {
    static $ranges = array(
        '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
        '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
        '224.0.0.0/4', '240.0.0.0/4',
        '::/128', '::1/128', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/32', '2001:db8::/32', '2002::/16',
        'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
    );
    return harmonyuser_bridge_ip_bin($ip) === null || harmonyuser_bridge_ip_matches($ip, $ranges);
}

/**
 * Why a receiver URL is refused (a WP_Error: harmonyuser_invalid_url or harmonyuser_unsafe_url, status 400), or
 * null when it is acceptable: core's wp_http_validate_url() rules (http/https, no credentials in the URL, ports
 * 80/443/8080) plus every address the host resolves to (IPv4 and IPv6) being public. When the admin opted in to
 * local and private receivers only the form of the URL is checked.
 */
function harmonyuser_bridge_receiver_url_problem($url) {
    $url = (string) $url;
    $parts = wp_parse_url($url);
    if (!$parts || empty($parts['scheme']) || !in_array(strtolower($parts['scheme']), array('http', 'https'), true) || empty($parts['host'])
        || esc_url_raw($url, array('http', 'https')) !== $url) {
        return new WP_Error('harmonyuser_invalid_url', 'The webhook URL must be an absolute http or https URL.', array('status' => 400));
    }
    if (harmonyuser_bridge_allow_local_receivers()) {
        return null;
    }
    $unsafe = function ($message) {
        return new WP_Error('harmonyuser_unsafe_url', $message, array('status' => 400));
    };
    if (isset($parts['user']) || isset($parts['pass'])) {
        return $unsafe('The webhook URL must not contain a user name or password.');
    }
    $host = strtolower(trim($parts['host'], '[].'));
    if (filter_var($host, FILTER_VALIDATE_IP) !== false) {
        $ips = array($host);
    } else {
        $ips = gethostbynamel($host) ?: array();
        $aaaa = function_exists('dns_get_record') ? @dns_get_record($host, DNS_AAAA) : array(); // phpcs:ignore WordPress.PHP.NoSilencedErrors
        foreach ((array) $aaaa as $record) {
            if (!empty($record['ipv6'])) {
                $ips[] = $record['ipv6'];
            }
        }
        if (!$ips) {
            return $unsafe(sprintf('The host %s does not resolve.', $host));
        }
    }
    foreach ($ips as $ip) {
        if (harmonyuser_bridge_ip_is_private($ip)) {
            return $unsafe(sprintf('The host %s is on a loopback, private or reserved address (%s). An administrator can allow local and private receivers under Settings → HarmonyUser Sync.', $host, $ip));
        }
    }
    $allowed_ports = apply_filters('http_allowed_safe_ports', array(80, 443, 8080), $host, $url);
    if (isset($parts['port']) && !in_array((int) $parts['port'], (array) $allowed_ports, true)) {
        return $unsafe(sprintf('Port %d is not allowed for receivers (80, 443 and 8080 are). An administrator can allow other ports with local and private receivers under Settings → HarmonyUser Sync.', (int) $parts['port']));
    }
    if (filter_var($host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6) === false && !wp_http_validate_url($url)) {
        return $unsafe('WordPress considers this URL unsafe (wp_http_validate_url).');
    }
    return null;
}

/* ------------------------------------------------------------------ lifecycle */

/** Whether the subscription's creator still stands behind it (owner exists and may manage it; its app password exists). */
function harmonyuser_bridge_webhook_alive($hook) {
    if (empty($hook['owner'])) {
        return true; // created before owners were recorded: only an administrator can remove it
    }
    $owner = get_userdata((int) $hook['owner']);
    if (!$owner || !user_can($owner, 'manage_options') || !user_can($owner, 'list_users')) {
        return false;
    }
    if (!empty($hook['app_password']) && class_exists('WP_Application_Passwords')) {
        return (bool) WP_Application_Passwords::get_user_application_password($owner->ID, $hook['app_password']);
    }
    return true;
}

/** Deletes subscriptions and every queued row of theirs (bodies hold user data); returns the deleted ones. */
function harmonyuser_bridge_delete_webhooks(array $ids) {
    global $wpdb;
    $hooks = harmonyuser_bridge_webhooks();
    $gone = array();
    foreach ($ids as $id) {
        if (isset($hooks[$id])) {
            $gone[$id] = $hooks[$id];
            unset($hooks[$id]);
            $wpdb->query($wpdb->prepare('DELETE FROM ' . harmonyuser_bridge_queue_table() . ' WHERE webhook_id = %s', $id));
        }
    }
    if ($gone) {
        update_option('harmonyuser_bridge_webhooks', $hooks, false);
        $new = array_values(array_diff((array) get_option(HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS, array()), array_keys($gone)));
        update_option(HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS, $new, false);
    }
    return $gone;
}

/** Removes every subscription whose creator no longer stands behind it (optionally only those of some owners). */
function harmonyuser_bridge_prune_webhooks($owners = null) {
    $dead = array();
    foreach (harmonyuser_bridge_webhooks() as $id => $hook) {
        if ($owners !== null && (empty($hook['owner']) || !in_array((int) $hook['owner'], $owners, true))) {
            continue;
        }
        if (!harmonyuser_bridge_webhook_alive($hook)) {
            $dead[] = $id;
        }
    }
    return $dead ? harmonyuser_bridge_delete_webhooks($dead) : array();
}

/** A revoked application password (one, or all of a user's: core fires this action for each): its subscriptions go. */
function harmonyuser_bridge_webhooks_app_password_revoked($user_id, $item) {
    if (empty($item['uuid'])) {
        return;
    }
    $ids = array();
    foreach (harmonyuser_bridge_webhooks() as $id => $hook) {
        if (!empty($hook['app_password']) && $hook['app_password'] === $item['uuid']) {
            $ids[] = $id;
        }
    }
    if ($ids) {
        harmonyuser_bridge_delete_webhooks($ids);
    }
}

/** A deleted user: the subscriptions they own go. */
function harmonyuser_bridge_webhooks_owner_deleted($user_id) {
    $ids = array();
    foreach (harmonyuser_bridge_webhooks() as $id => $hook) {
        if (!empty($hook['owner']) && (int) $hook['owner'] === (int) $user_id) {
            $ids[] = $id;
        }
    }
    if ($ids) {
        harmonyuser_bridge_delete_webhooks($ids);
    }
}

/** Owners whose roles or capabilities changed in this request: checked once, at the end (before events are sent). */
function harmonyuser_bridge_note_capability_change($user_id) {
    static $owners = array();
    static $hooked = false;
    if ($user_id === null) {
        $list = array_keys($owners);
        $owners = array();
        return $list;
    }
    $owners[(int) $user_id] = true;
    if (!$hooked) {
        $hooked = true;
        // Registered here, at the first change, not in harmonyuser_bridge_register_hooks(): most requests change none.
        add_action('shutdown', 'harmonyuser_bridge_prune_changed_owners', -10);
    }
    return array();
}

/** At shutdown (-10, before the tracker's events): the subscriptions of owners whose capabilities changed are checked. */
function harmonyuser_bridge_prune_changed_owners() {
    $changed = harmonyuser_bridge_note_capability_change(null);
    if ($changed) {
        foreach ($changed as $id) {
            clean_user_cache($id);
        }
        harmonyuser_bridge_prune_webhooks($changed);
    }
}

/** A write to a user's capabilities (added, updated, deleted; the meta id(s) are not used): its subscriptions are checked at the end. */
function harmonyuser_bridge_caps_meta_changed($meta_id, $user_id, $key) {
    global $wpdb;
    if ($key === $wpdb->get_blog_prefix() . 'capabilities') {
        harmonyuser_bridge_note_capability_change((int) $user_id);
    }
}

/* ------------------------------------------------------------------ REST */

/** Registers GET|POST /harmonyuser/v1/webhooks and DELETE /harmonyuser/v1/webhooks/<id> (manage_options). */
function harmonyuser_bridge_register_webhook_routes() {
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
                $problem = harmonyuser_bridge_receiver_url_problem($url);
                if ($problem !== null) {
                    return $problem;
                }
                $secret = (string) $request['secret'];
                if (strlen($secret) < 16) {
                    return new WP_Error('harmonyuser_weak_secret', 'The webhook secret must have at least 16 characters.', array('status' => 400));
                }
                $events = array_values(array_unique((array) $request['events']));
                if (!$events) {
                    return new WP_Error('harmonyuser_no_events', 'Subscribe to at least one event.', array('status' => 400));
                }
                $owner = get_current_user_id();
                $uuid = function_exists('rest_get_authenticated_app_password') ? rest_get_authenticated_app_password() : null;
                $app_name = '';
                if ($uuid && class_exists('WP_Application_Passwords')) {
                    $item = WP_Application_Passwords::get_user_application_password($owner, $uuid);
                    $app_name = $item ? (string) $item['name'] : '';
                }
                $hooks = harmonyuser_bridge_webhooks();
                $id = wp_generate_uuid4();
                $hooks[$id] = array(
                    'id' => $id,
                    'url' => $url,
                    'secret' => $secret,
                    'events' => $events,
                    'created' => harmonyuser_bridge_now_iso(),
                    'owner' => $owner,
                    'app_password' => $uuid ? (string) $uuid : '',
                    'app_password_name' => $app_name,
                );
                update_option('harmonyuser_bridge_webhooks', $hooks, false);
                $new = (array) get_option(HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS, array());
                $new[] = $id;
                update_option(HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS, array_values(array_unique($new)), false);
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
            $id = (string) $request['id'];
            $hooks = harmonyuser_bridge_webhooks();
            if (!isset($hooks[$id])) {
                return new WP_Error('harmonyuser_webhook_not_found', 'No such webhook subscription.', array('status' => 404));
            }
            $public = harmonyuser_bridge_webhook_public($hooks[$id]);
            harmonyuser_bridge_delete_webhooks(array($id));
            return rest_ensure_response(array('deleted' => true, 'previous' => $public));
        },
    ));
}
