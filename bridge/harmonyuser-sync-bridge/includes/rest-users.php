<?php
/** Read routes (lookup by sync id, identity resolve, changed since, info) and the password-hash route. */

if (!defined('ABSPATH')) {
    exit;
}

/** A user exactly as GET /wp/v2/users?context=edit shows it (core controller, so fields and meta match). */
function harmonyuser_bridge_rest_user($user) {
    static $controller = null;
    if ($controller === null) {
        $controller = new WP_REST_Users_Controller();
    }
    $request = new WP_REST_Request('GET', '/wp/v2/users');
    $request->set_param('context', 'edit');
    $response = $controller->prepare_item_for_response($user, $request);
    return $controller->prepare_response_for_collection($response);
}

function harmonyuser_bridge_user_by_sync_id($sync_id) {
    $users = get_users(array('meta_key' => 'harmonyuser_sync_id', 'meta_value' => $sync_id, 'number' => 1, 'orderby' => 'ID'));
    return $users ? $users[0] : null;
}

/**
 * The target's copy of a user, found as the sync client's identity rule says: by sync id, else exact email, else
 * the previous email (an email change is followed), else login. Returns array(WP_User, how) or null.
 */
function harmonyuser_bridge_resolve_user($sync_id, $email, $previous_email, $login) {
    $sync_id = strtolower(trim((string) $sync_id));
    $email = trim((string) $email);
    $previous_email = trim((string) $previous_email);
    $login = trim((string) $login);
    $user = harmonyuser_bridge_is_uuid($sync_id) ? harmonyuser_bridge_user_by_sync_id($sync_id) : null;
    if ($user) {
        return array($user, 'syncId');
    }
    $user = $email !== '' ? get_user_by('email', $email) : false;
    if ($user) {
        return array($user, 'email');
    }
    $user = $previous_email !== '' && strcasecmp($previous_email, $email) !== 0 ? get_user_by('email', $previous_email) : false;
    if ($user) {
        return array($user, 'previousEmail');
    }
    $user = $login !== '' ? get_user_by('login', $login) : false;
    return $user ? array($user, 'login') : null;
}

function harmonyuser_bridge_list_permission() {
    return current_user_can('list_users');
}

function harmonyuser_bridge_parse_time($value) {
    $ts = is_string($value) && $value !== '' ? strtotime($value) : false;
    return $ts === false ? null : $ts;
}

/**
 * One page of the ids of users changed at or after $since (oldest change first), without those who prohibit
 * propagation, and how many there are in all. Nothing is read when the newest change on record is older (the
 * usual poll: one option, no scan). Plain SQL, as WP_User_Query's meta query (a join and an OR for the switch)
 * takes ten times as long: about 3.5 s against 0.3 s on 100,000 users.
 */
function harmonyuser_bridge_changed_ids($since, $page, $per_page) {
    global $wpdb;
    $newest = get_option(HARMONYUSER_BRIDGE_LAST_CHANGE_OPTION, null);
    if (is_string($newest) && $newest !== '' && $newest < $since) {
        return array(array(), 0);
    }
    $ids = $wpdb->get_col($wpdb->prepare(
        "SELECT SQL_CALC_FOUND_ROWS m.user_id FROM {$wpdb->usermeta} m
         WHERE m.meta_key = 'harmonyuser_last_changed' AND m.meta_value >= %s
           AND NOT EXISTS (SELECT 1 FROM {$wpdb->usermeta} p
                           WHERE p.user_id = m.user_id AND p.meta_key = 'harmonyuser_prohibit_propagation' AND p.meta_value = '1')
         ORDER BY m.meta_value ASC, m.user_id ASC LIMIT %d, %d",
        $since,
        ($page - 1) * $per_page,
        $per_page
    ));
    $total = (int) $wpdb->get_var('SELECT FOUND_ROWS()');
    $ids = array_map('intval', $ids);
    cache_users($ids);
    return array($ids, $total);
}

/** Registers the read routes (info, lookup, resolve, changed since) and POST /users/<id>/password-hash. */
function harmonyuser_bridge_register_user_routes() {
    register_rest_route(HARMONYUSER_BRIDGE_NS, '/info', array(
        'methods' => 'GET',
        'permission_callback' => 'harmonyuser_bridge_list_permission',
        'callback' => function () {
            return rest_ensure_response(array(
                'version' => HARMONYUSER_BRIDGE_VERSION,
                'batch' => true,
                'maxBatch' => 25,
                'features' => array('syncId', 'syncLink', 'rawLocale', 'flags', 'lookup', 'resolve', 'changed', 'webhooks', 'queue', 'passwordHash', 'sealedHashes', 'path', 'batch', 'versions', 'throwawayPassword'),
                // Tells sites apart by key without showing it: two sites with the same fingerprint share the key.
                'networkKeyFingerprint' => harmonyuser_bridge_network_key_fingerprint(),
                'hashFormats' => harmonyuser_bridge_hash_formats(), // what a login here verifies (includes/passwords.php)
                'url' => home_url(),
                'siteId' => harmonyuser_bridge_site_id(),
                'time' => harmonyuser_bridge_now_iso(),
            ));
        },
    ));

    register_rest_route(HARMONYUSER_BRIDGE_NS, '/users', array(
        'methods' => 'GET',
        'permission_callback' => 'harmonyuser_bridge_list_permission',
        'args' => array('sync_id' => array('type' => 'string', 'required' => true)),
        'callback' => function (WP_REST_Request $request) {
            $id = strtolower(trim((string) $request['sync_id']));
            if (!harmonyuser_bridge_is_uuid($id)) {
                return new WP_Error('harmonyuser_sync_id_invalid', 'sync_id must be a UUID.', array('status' => 400));
            }
            $user = harmonyuser_bridge_user_by_sync_id($id);
            return rest_ensure_response($user ? array(harmonyuser_bridge_rest_user($user)) : array());
        },
    ));

    // The whole identity lookup of a sync in one request (the client would otherwise ask up to four times).
    $optional = array('type' => 'string', 'default' => '');
    register_rest_route(HARMONYUSER_BRIDGE_NS, '/users/resolve', array(
        'methods' => 'GET',
        'permission_callback' => 'harmonyuser_bridge_list_permission',
        'args' => array('sync_id' => $optional, 'email' => $optional, 'previous_email' => $optional, 'login' => $optional),
        'callback' => function (WP_REST_Request $request) {
            $found = harmonyuser_bridge_resolve_user($request['sync_id'], $request['email'], $request['previous_email'], $request['login']);
            // The sync id's copy was deleted here (and nobody has it now): at which version (a newer delete wins).
            $tombstone = $found && $found[1] === 'syncId' ? null : harmonyuser_bridge_tombstone_of($request['sync_id']);
            return rest_ensure_response(array(
                'user' => $found ? harmonyuser_bridge_rest_user($found[0]) : null,
                'matchedBy' => $found ? $found[1] : null,
                'tombstone' => $tombstone,
            ));
        },
    ));

    register_rest_route(HARMONYUSER_BRIDGE_NS, '/users/changed', array(
        'methods' => 'GET',
        'permission_callback' => 'harmonyuser_bridge_list_permission',
        'args' => array(
            'since' => array('type' => 'string', 'required' => true, 'description' => 'ISO 8601; changes at or after this time.'),
            'page' => array('type' => 'integer', 'default' => 1, 'minimum' => 1),
            'per_page' => array('type' => 'integer', 'default' => 50, 'minimum' => 1, 'maximum' => 100),
        ),
        'callback' => function (WP_REST_Request $request) {
            global $wpdb;
            $now = harmonyuser_bridge_now_iso();
            $ts = harmonyuser_bridge_parse_time($request['since']);
            if ($ts === null) {
                return new WP_Error('harmonyuser_invalid_since', 'since must be an ISO 8601 date-time.', array('status' => 400));
            }
            $since = harmonyuser_bridge_now_iso($ts);
            $page = (int) $request['page'];
            $per_page = (int) $request['per_page'];
            list($ids, $total) = harmonyuser_bridge_changed_ids($since, $page, $per_page);
            $deleted = array();
            if ($page === 1) {
                $rows = $wpdb->get_results($wpdb->prepare(
                    'SELECT user_id, login, email, sync_id, deleted_at, version FROM ' . harmonyuser_bridge_tombstone_table() . ' WHERE deleted_at >= %s ORDER BY id',
                    $since
                ));
                foreach ($rows as $r) {
                    $deleted[] = array('id' => (int) $r->user_id, 'login' => $r->login, 'email' => $r->email, 'syncId' => $r->sync_id, 'time' => $r->deleted_at, 'version' => $r->version);
                }
            }
            return rest_ensure_response(array(
                'users' => array_map('harmonyuser_bridge_rest_user', array_filter(array_map('get_userdata', $ids))),
                'deleted' => $deleted,
                'now' => $now,
                'total' => $total,
                'totalPages' => (int) ceil($total / $per_page),
            ));
        },
    ));

    register_rest_route(HARMONYUSER_BRIDGE_NS, '/users/(?P<id>\d+)/password-hash', array(
        'methods' => 'POST',
        'permission_callback' => function (WP_REST_Request $request) {
            return current_user_can('edit_users') && current_user_can('edit_user', (int) $request['id']);
        },
        'args' => array('hash' => array('type' => 'string', 'required' => true)),
        'callback' => function (WP_REST_Request $request) {
            $id = (int) $request['id'];
            if (!get_userdata($id)) {
                return new WP_Error('rest_user_invalid_id', 'Invalid user ID.', array('status' => 404));
            }
            $applied = harmonyuser_bridge_apply_password_hash($id, (string) $request['hash']);
            if (is_wp_error($applied)) {
                return $applied;
            }
            return rest_ensure_response(array('id' => $id, 'updated' => true));
        },
    ));
}

/** Sets a user's password from a hash (never plaintext): phpass, WordPress 6.8+ bcrypt, plain bcrypt or argon2. */
function harmonyuser_bridge_apply_password_hash($id, $hash) {
    global $wpdb;
    // A hash sealed by another bridge of the network: opened with the network key, for this user's sync id only.
    if (harmonyuser_bridge_is_sealed($hash)) {
        $hash = harmonyuser_bridge_open_hash($hash, get_user_meta($id, 'harmonyuser_sync_id', true));
        if (is_wp_error($hash)) {
            return $hash;
        }
    }
    if (strlen($hash) > 255 || !preg_match('#^(\$P\$|\$H\$|\$wp\$2[aby]\$|\$2[aby]\$|\$argon2(id|i)\$)[./A-Za-z0-9$=,+-]+$#', $hash)) {
        return new WP_Error('harmonyuser_invalid_hash', 'hash must be a WordPress password hash (phpass or bcrypt).', array('status' => 400));
    }
    if (!harmonyuser_bridge_hash_verifiable($hash)) {
        return harmonyuser_bridge_hash_unsupported_error($hash); // 6.8's bcrypt on 6.1: it would lock the user out
    }
    HarmonyUser_Bridge_Tracker::touch($id);
    $wpdb->update($wpdb->users, array('user_pass' => $hash, 'user_activation_key' => ''), array('ID' => $id));
    clean_user_cache($id);
    return true;
}

/**
 * The user's own locale setting, '' for "Site Default". Core's `locale` field answers get_user_locale(), which
 * falls back to the site's language: copied as is, a Site Default user would be pinned to that language on a site
 * whose language differs. Read-only, context edit (an admin's view), like the plugin's meta.
 */
function harmonyuser_bridge_register_locale_field() {
    register_rest_field('user', 'harmonyuser_locale', array(
        'get_callback' => function ($user) {
            return (string) get_user_meta((int) $user['id'], 'locale', true);
        },
        'update_callback' => null,
        'schema' => array(
            'type' => 'string',
            'context' => array('edit'),
            'readonly' => true,
            'description' => "The user's own locale setting; empty for Site Default (core's locale field shows the site's language then).",
        ),
    ));
}

/**
 * The same as a write-only field of the users route, so a sync creates or updates a user with the source's
 * password in ONE request: the event that request causes carries the final hash, never an interim one.
 */
function harmonyuser_bridge_register_password_hash_field() {
    register_rest_field('user', 'harmonyuser_password_hash', array(
        'get_callback' => null,
        'update_callback' => function ($hash, $user) {
            if (!current_user_can('edit_users') || !current_user_can('edit_user', $user->ID)) {
                return new WP_Error('rest_cannot_edit', 'Sorry, you are not allowed to set password hashes.', array('status' => 403));
            }
            return harmonyuser_bridge_apply_password_hash($user->ID, (string) $hash);
        },
        'schema' => array('type' => 'string', 'context' => array('edit'), 'description' => 'Write-only: the password hash to set.'),
    ));
}
