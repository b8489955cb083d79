<?php
/**
 * Change tracking and outgoing events.
 *
 * During a request every user that is about to change gets a snapshot of its sync state (taken at the first
 * "before" hook: wp_pre_insert_user_data, meta writes, password_reset, the plugin's own routes). At `shutdown`
 * the final state is compared with that snapshot, so events carry the state after roles and meta were applied.
 * Events go to the durable queue first (includes/queue.php), then delivery is attempted.
 */

if (!defined('ABSPATH')) {
    exit;
}

final class HarmonyUser_Bridge_Tracker {
    /** @var array<int, array> user id => ['before' => ?array, 'created' => bool, 'deleted' => ?array, 'tombstone' => bool] */
    private static $users = array();
    private static $hooked = false;

    public static function touch($user_id, $before = null) {
        $user_id = (int) $user_id;
        if ($user_id <= 0 || harmonyuser_bridge_internal()) {
            return;
        }
        if (!isset(self::$users[$user_id])) {
            // The user's lock until its events are queued: a sync write's compare-and-set cannot slip in between
            // this snapshot and the versions given at shutdown (includes/versions.php). Without it, go on anyway.
            harmonyuser_bridge_user_lock($user_id, 5, true);
            self::$users[$user_id] = array(
                'before' => $before !== null ? $before : harmonyuser_bridge_user_payload($user_id, true),
                'created' => false,
                'deleted' => null,
            );
        }
        self::hook();
    }

    public static function has($user_id) {
        return isset(self::$users[(int) $user_id]);
    }

    public static function created($user_id) {
        self::touch($user_id, array());
        self::$users[(int) $user_id]['created'] = true;
    }

    public static function deleted($user_id, $snapshot) {
        self::touch($user_id);
        self::$users[(int) $user_id]['deleted'] = $snapshot;
    }

    private static function hook() {
        if (!self::$hooked) {
            self::$hooked = true;
            add_action('shutdown', array(__CLASS__, 'flush'), 0);
        }
    }

    /** Builds the events of this request, updates last_changed, queues and delivers. */
    public static function flush() {
        $users = self::$users;
        self::$users = array();
        if (!$users) {
            return;
        }
        $path = harmonyuser_bridge_request_path();
        $queued = array();
        foreach ($users as $user_id => $t) {
            foreach (self::events_for($user_id, $t) as $event) {
                if (!empty($event['user']['flags']['prohibitPropagation'])) {
                    continue;
                }
                $event['path'] = $path;
                $queued = array_merge($queued, harmonyuser_bridge_queue_event($event));
            }
        }
        harmonyuser_bridge_release_user_locks();
        if ($queued) {
            harmonyuser_bridge_deliver_now($queued);
        }
    }

    private static function events_for($user_id, $t) {
        $before = $t['before'];
        if ($t['deleted'] !== null) {
            if ($t['created'] || !$t['deleted']) {
                return array();
            }
            $event = harmonyuser_bridge_build_event('user.deleted', $t['deleted']);
            $event['version'] = harmonyuser_bridge_delete_version($user_id);
            return array($event);
        }
        $after = harmonyuser_bridge_user_payload($user_id, true);
        if (!$after) {
            return array();
        }
        if ($t['created']) {
            harmonyuser_bridge_set_meta_internal($user_id, 'harmonyuser_last_changed', harmonyuser_bridge_now_iso());
            $stamp = harmonyuser_bridge_version_change($user_id, null, $after);
            return array(harmonyuser_bridge_stamp_event(harmonyuser_bridge_build_event('user.created', $after), $stamp));
        }
        if (!$before) {
            return array();
        }
        $hash_changed = $before['passwordHash'] !== $after['passwordHash'];
        if ($hash_changed && harmonyuser_bridge_password_rehashed($user_id, $after['passwordHash'])) {
            // The same password hashed again (6.8 rehashes at login): not a password change, nothing to send.
            $after['passwordHash'] = $before['passwordHash'];
            $hash_changed = false;
        }
        $a = $after;
        $b = $before;
        unset($a['passwordHash'], $b['passwordHash']);
        $changed = harmonyuser_bridge_canonical($a) !== harmonyuser_bridge_canonical($b);
        if (!$changed && !$hash_changed) {
            return array();
        }
        harmonyuser_bridge_set_meta_internal($user_id, 'harmonyuser_last_changed', harmonyuser_bridge_now_iso());
        $stamp = harmonyuser_bridge_version_change($user_id, $before, $after);
        $events = array();
        if ($b['email'] !== $a['email']) {
            $after['previousEmail'] = $b['email'];
        }
        if ($changed) {
            $fields = array_diff(array_keys($stamp['changed']), array('password'));
            $events[] = harmonyuser_bridge_stamp_event(harmonyuser_bridge_build_event('user.updated', $after), $stamp, $fields);
        }
        if ($hash_changed) {
            $events[] = harmonyuser_bridge_stamp_event(harmonyuser_bridge_build_event('user.password_changed', $after), $stamp, array('password'));
        }
        return $events;
    }
}

/** Stable JSON for comparing two states. */
function harmonyuser_bridge_canonical($value) {
    if (is_array($value)) {
        if (array_keys($value) !== range(0, count($value) - 1)) {
            ksort($value);
        }
        foreach ($value as $k => $v) {
            $value[$k] = harmonyuser_bridge_canonical($v);
        }
    }
    return is_array($value) ? wp_json_encode($value) : $value;
}

/**
 * User meta reported in events: keys registered with show_in_rest that are not protected (is_protected_meta(): "_"
 * prefixed, or so filtered), without the plugin's own keys and per-site (prefixed) keys. What REST does not show,
 * events do not carry.
 */
function harmonyuser_bridge_event_meta_keys() {
    global $wpdb;
    $keys = array();
    $prefix = $wpdb->get_blog_prefix();
    foreach (get_registered_meta_keys('user') as $key => $args) {
        if (strpos($key, 'harmonyuser_') === 0 || strpos($key, $prefix) === 0) {
            continue;
        }
        if (empty($args['show_in_rest']) || is_protected_meta($key, 'user')) {
            continue;
        }
        $keys[$key] = !empty($args['single']);
    }
    return apply_filters('harmonyuser_bridge_event_meta_keys', $keys);
}

/**
 * The sync state of a user (the "user" object of the event schema), read fresh from the database.
 * The password hash is included here for comparisons; events strip it where it does not belong.
 */
function harmonyuser_bridge_user_payload($user_id, $with_hash = false) {
    global $wpdb;
    $user_id = (int) $user_id;
    $row = $wpdb->get_row($wpdb->prepare("SELECT * FROM {$wpdb->users} WHERE ID = %d", $user_id));
    if (!$row) {
        return null;
    }
    wp_cache_delete($user_id, 'user_meta');
    $user = new WP_User($row);
    $meta = array();
    foreach (harmonyuser_bridge_event_meta_keys() as $key => $single) {
        $meta[$key] = get_user_meta($user_id, $key, $single);
    }
    $payload = array(
        'login' => $row->user_login,
        'email' => $row->user_email,
        'firstName' => (string) get_user_meta($user_id, 'first_name', true),
        'lastName' => (string) get_user_meta($user_id, 'last_name', true),
        'displayName' => $row->display_name,
        'nickname' => (string) get_user_meta($user_id, 'nickname', true),
        'url' => $row->user_url,
        'description' => (string) get_user_meta($user_id, 'description', true),
        'locale' => (string) get_user_meta($user_id, 'locale', true),
        'roles' => array_values($user->roles),
        'meta' => (object) $meta,
        'syncId' => (string) get_user_meta($user_id, 'harmonyuser_sync_id', true),
        'sourceId' => $user_id,
        'flags' => array(
            'prohibitPropagation' => get_user_meta($user_id, 'harmonyuser_prohibit_propagation', true) === '1',
            'rejectIncoming' => get_user_meta($user_id, 'harmonyuser_reject_incoming', true) === '1',
        ),
    );
    if ($with_hash) {
        $payload['passwordHash'] = $row->user_pass;
    }
    return $payload;
}

function harmonyuser_bridge_build_event($name, $user) {
    $actions = array('user.created' => 'create', 'user.deleted' => 'delete');
    if (!in_array($name, array('user.created', 'user.password_changed'), true)) {
        unset($user['passwordHash']);
    }
    return array(
        'id' => wp_generate_uuid4(),
        'event' => $name,
        'action' => isset($actions[$name]) ? $actions[$name] : 'update',
        'time' => harmonyuser_bridge_now_iso(),
        'source' => array('url' => home_url()),
        'path' => array(home_url()),
        'user' => $user,
    );
}

/**
 * The propagation path of this request: the X-HarmonyUser-Path header of a sync write (honoured only for users
 * who can edit_users), with this site added unless it is already in it; otherwise just this site.
 */
function harmonyuser_bridge_request_path() {
    $home = home_url();
    $header = isset($_SERVER['HTTP_X_HARMONYUSER_PATH']) ? wp_unslash($_SERVER['HTTP_X_HARMONYUSER_PATH']) : '';
    if ($header === '' || !current_user_can('edit_users')) {
        return array($home);
    }
    $path = array();
    foreach (explode(',', $header) as $part) {
        $url = esc_url_raw(trim($part), array('http', 'https'));
        if ($url !== '' && count($path) < 50) {
            $path[] = untrailingslashit($url);
        }
    }
    // A fan-out names every site it writes, this one included: this site is added only when it is not there yet.
    $here = harmonyuser_bridge_norm_url($home);
    foreach ($path as $site) {
        if (harmonyuser_bridge_norm_url($site) === $here) {
            return $path;
        }
    }
    $path[] = $home;
    return $path;
}

/* ------------------------------------------------------------------ "before" hooks: a snapshot before anything changes */

/** Snapshot of a user about to be updated (wp_insert_user / wp_update_user). */
function harmonyuser_bridge_track_user_update($data, $update, $user_id) {
    if ($update && $user_id) {
        HarmonyUser_Bridge_Tracker::touch($user_id);
    }
    return $data;
}

function harmonyuser_bridge_tracked_meta_key($key) {
    global $wpdb;
    static $core = array('first_name', 'last_name', 'nickname', 'description', 'locale');
    if (in_array($key, $core, true) || strpos($key, 'harmonyuser_') === 0 || $key === $wpdb->get_blog_prefix() . 'capabilities') {
        return $key !== 'harmonyuser_last_changed';
    }
    return array_key_exists($key, harmonyuser_bridge_event_meta_keys());
}

/** Snapshot of a user whose tracked meta is about to be updated or deleted ($meta_ids, one id or several, is not used). */
function harmonyuser_bridge_track_meta_write($meta_ids, $user_id, $key) {
    if (harmonyuser_bridge_tracked_meta_key($key)) {
        HarmonyUser_Bridge_Tracker::touch($user_id);
    }
}

/** Snapshot of a user whose tracked meta is about to be added. */
function harmonyuser_bridge_track_meta_add($user_id, $key) {
    harmonyuser_bridge_track_meta_write(null, $user_id, $key);
}

/** Snapshot of a user whose password is about to be reset. */
function harmonyuser_bridge_track_password_reset($user) {
    HarmonyUser_Bridge_Tracker::touch($user->ID);
}

/** wp_set_password() (pluggable, 6.1) has no "before" hook: catch its UPDATE of user_pass just before it runs. */
function harmonyuser_bridge_track_password_query($query) {
    global $wpdb;
    if (!harmonyuser_bridge_internal() && strncmp($query, 'UPDATE ', 7) === 0
        && preg_match('/^UPDATE `?' . preg_quote($wpdb->users, '/') . '`? SET `?user_pass`?\s*=.*WHERE `?ID`?\s*=\s*\'?(\d+)\'?\s*$/s', $query, $m)
        && !HarmonyUser_Bridge_Tracker::has((int) $m[1])) {
        HarmonyUser_Bridge_Tracker::touch((int) $m[1]);
    }
    return $query;
}

/** A new user: its user.created event at the end of the request. */
function harmonyuser_bridge_track_user_created($user_id) {
    HarmonyUser_Bridge_Tracker::created($user_id);
}

/** A user about to be deleted: its last state for user.deleted, and its tombstone (unless it prohibits propagation). */
function harmonyuser_bridge_track_user_deleted($user_id) {
    global $wpdb;
    $snapshot = harmonyuser_bridge_user_payload($user_id, false);
    if (!$snapshot) {
        return;
    }
    $snapshot['versions'] = (object) harmonyuser_bridge_user_versions($user_id);
    HarmonyUser_Bridge_Tracker::deleted($user_id, $snapshot);
    if (empty($snapshot['flags']['prohibitPropagation'])) {
        $wpdb->insert(harmonyuser_bridge_tombstone_table(), array(
            'user_id' => (int) $user_id,
            'login' => $snapshot['login'],
            'email' => $snapshot['email'],
            'sync_id' => $snapshot['syncId'],
            'deleted_at' => harmonyuser_bridge_now_iso(),
            'version' => harmonyuser_bridge_delete_version($user_id),
        ));
    }
}
