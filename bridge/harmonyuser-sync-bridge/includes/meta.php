<?php
/**
 * The plugin's user meta: registration (REST-visible, writes only by users who can edit_users),
 * sync id assignment on creation, its write-once rule and the linking that relaxes it.
 *
 * A sync id is provisional (harmonyuser_sync_linked = '') while it was only assigned here (at registration or by
 * the activation backfill), and linked ('1') once a sync write set or confirmed it. A REST write carrying both
 * meta.harmonyuser_sync_id = X and meta.harmonyuser_sync_linked = '1' may replace a provisional id once; a linked
 * id never changes and a linked user never becomes provisional again.
 */

if (!defined('ABSPATH')) {
    exit;
}

/** The plugin's meta keys. */
function harmonyuser_bridge_meta_keys() {
    return array('harmonyuser_sync_id', 'harmonyuser_sync_linked', 'harmonyuser_prohibit_propagation', 'harmonyuser_reject_incoming', 'harmonyuser_last_changed');
}

/** '1' or '': how the linked flag (and any other switch) is read from a request or stored. */
function harmonyuser_bridge_flag_value($value) {
    return ($value === true || $value === 1 || $value === '1' || $value === 'true') ? '1' : '';
}

/**
 * Linking writes allowed in this request (user id => sync id), granted by the REST check below once the write
 * passed it, so the meta-level write-once guard lets exactly that replacement through (in any key order).
 */
function harmonyuser_bridge_link_allowed($user_id, $sync_id = null, $grant = false) {
    static $allowed = array();
    if ($grant) {
        $allowed[(int) $user_id] = $sync_id;
    }
    return isset($allowed[(int) $user_id]) && $allowed[(int) $user_id] === $sync_id;
}

/** Users created during this request: their auto-assigned sync id may still be replaced by the creator's one. */
function harmonyuser_bridge_created_in_request($user_id = null, $mark = false) {
    static $created = array();
    if ($mark) {
        $created[(int) $user_id] = true;
    }
    return $user_id !== null && isset($created[(int) $user_id]);
}

/** While true, the plugin's own meta writes bypass the guards and are not tracked as user changes. */
function harmonyuser_bridge_internal($set = null) {
    static $internal = false;
    if ($set !== null) {
        $internal = (bool) $set;
    }
    return $internal;
}

function harmonyuser_bridge_set_meta_internal($user_id, $key, $value) {
    $was = harmonyuser_bridge_internal();
    harmonyuser_bridge_internal(true);
    update_user_meta($user_id, $key, $value);
    harmonyuser_bridge_internal($was);
    if ($key === 'harmonyuser_last_changed') {
        harmonyuser_bridge_note_change($value);
    }
}

/** Keeps the newest change time in one autoloaded option, so "changed since" needs no scan when nothing changed. */
function harmonyuser_bridge_note_change($time) {
    $newest = get_option(HARMONYUSER_BRIDGE_LAST_CHANGE_OPTION, '');
    if (!is_string($newest) || $newest < $time) {
        update_option(HARMONYUSER_BRIDGE_LAST_CHANGE_OPTION, $time, true);
    }
}

function harmonyuser_bridge_can_sync_write($allowed, $meta_key, $object_id, $user_id) {
    return user_can($user_id, 'edit_users') && user_can($user_id, 'edit_user', $object_id);
}

/** Registers the plugin's user meta (REST-visible in context edit, written only by users who can edit_users). */
function harmonyuser_bridge_register_user_meta() {
    $edit_only = array('schema' => array('context' => array('edit')));
    $flag = array(
        'type' => 'string',
        'single' => true,
        'default' => '',
        'show_in_rest' => $edit_only,
        'sanitize_callback' => function ($value) {
            return harmonyuser_bridge_flag_value($value);
        },
        'auth_callback' => 'harmonyuser_bridge_can_sync_write',
    );
    register_meta('user', 'harmonyuser_prohibit_propagation', $flag + array('description' => 'Prohibit sync propagation of this user (1 or empty).'));
    register_meta('user', 'harmonyuser_reject_incoming', $flag + array('description' => 'Reject incoming sync modifications of this user (1 or empty).'));
    register_meta('user', 'harmonyuser_sync_id', array(
        'type' => 'string',
        'single' => true,
        'default' => '',
        'description' => 'Sync id (UUID) shared by the copies of this user on all synced sites. Settable while empty; a provisional one (harmonyuser_sync_linked empty) is replaced once by a write that also sets harmonyuser_sync_linked to 1.',
        'show_in_rest' => $edit_only,
        'sanitize_callback' => function ($value) {
            $value = strtolower(trim((string) $value));
            return harmonyuser_bridge_is_uuid($value) ? $value : '';
        },
        'auth_callback' => 'harmonyuser_bridge_can_sync_write',
    ));
    register_meta('user', 'harmonyuser_sync_linked', $flag + array(
        'description' => "1 once the sync id came from (or was confirmed by) a sync write; empty while it is provisional (assigned on this site). Never unset.",
    ));
    register_meta('user', 'harmonyuser_last_changed', array(
        'type' => 'string',
        'single' => true,
        'default' => '',
        'description' => 'When this user last changed (ISO 8601 UTC), maintained by the plugin.',
        'show_in_rest' => $edit_only,
        'auth_callback' => '__return_false',
    ));
}

/** A sync id for every new user (the creator may replace it in the same request, e.g. REST meta on create). */
function harmonyuser_bridge_assign_sync_id($user_id) {
    harmonyuser_bridge_created_in_request($user_id, true);
    if (get_user_meta($user_id, 'harmonyuser_sync_id', true) === '') {
        harmonyuser_bridge_set_meta_internal($user_id, 'harmonyuser_sync_id', wp_generate_uuid4());
    }
    harmonyuser_bridge_set_meta_internal($user_id, 'harmonyuser_last_changed', harmonyuser_bridge_now_iso());
}

/**
 * Write-once: a set sync id never changes (except the auto-assigned one in its creation request, and a provisional
 * one replaced by a linking write that passed the REST check). A linked user stays linked.
 */
function harmonyuser_bridge_sync_id_write_once($check, $user_id, $key, $value) {
    if (($key !== 'harmonyuser_sync_id' && $key !== 'harmonyuser_sync_linked') || harmonyuser_bridge_internal()) {
        return $check;
    }
    if ($key === 'harmonyuser_sync_linked') {
        return ($value !== '1' && get_user_meta($user_id, 'harmonyuser_sync_linked', true) === '1') ? false : $check;
    }
    if (harmonyuser_bridge_created_in_request($user_id) || harmonyuser_bridge_link_allowed($user_id, $value)) {
        return $check;
    }
    $current = get_user_meta($user_id, 'harmonyuser_sync_id', true);
    if ($current !== '' && $current !== $value) {
        return false;
    }
    return $check;
}

/** Write-once, deletes: a sync id (outside its creation request) and a linked flag are never deleted. */
function harmonyuser_bridge_sync_id_keep($check, $user_id, $key) {
    if (!$user_id || harmonyuser_bridge_internal()) {
        return $check;
    }
    if ($key === 'harmonyuser_sync_id' && !harmonyuser_bridge_created_in_request($user_id)) {
        return false;
    }
    if ($key === 'harmonyuser_sync_linked' && get_user_meta($user_id, 'harmonyuser_sync_linked', true) === '1') {
        return false;
    }
    return $check;
}

/** A MariaDB/MySQL named lock on one sync id, so two requests cannot both claim it between check and write. */
function harmonyuser_bridge_sync_id_lock($sync_id) {
    global $wpdb;
    static $held = array();
    if ($sync_id === null) {
        foreach (array_keys($held) as $name) {
            $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $name));
        }
        $held = array();
        return true;
    }
    $name = 'hus_sid_' . md5(DB_NAME . '|' . $wpdb->prefix . '|' . $sync_id);
    if (isset($held[$name])) {
        return true;
    }
    if ((string) $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, 5)', $name)) !== '1') {
        return false;
    }
    $held[$name] = true;
    return true;
}

/**
 * The rules of a REST write to a user's sync meta, as clear errors (409/400) instead of a failed meta write.
 * Returns null when the write may go ahead (and grants a linking replacement it allows), else a WP_Error.
 *   - sync id X alone: allowed while the user has no id or already has X (a create may set any id);
 *   - X with linked '1': also replaces a provisional id (linked ''); a linked id other than X is refused;
 *   - linked '1' alone confirms the current id; linked '' on a linked user is refused;
 *   - X held by another user is refused (harmonyuser_sync_id_taken), linked or not.
 */
function harmonyuser_bridge_check_sync_write($user_id, $meta) {
    $has_id = array_key_exists('harmonyuser_sync_id', $meta);
    $has_link = array_key_exists('harmonyuser_sync_linked', $meta);
    if (!$has_id && !$has_link) {
        return null;
    }
    $new = $has_id ? strtolower(trim((string) $meta['harmonyuser_sync_id'])) : null;
    $link = $has_link ? harmonyuser_bridge_flag_value($meta['harmonyuser_sync_linked']) : null;
    if ($new !== null && $new !== '' && !harmonyuser_bridge_is_uuid($new)) {
        return new WP_Error('harmonyuser_sync_id_invalid', 'A sync id must be a UUID.', array('status' => 400));
    }
    $current = $user_id ? (string) get_user_meta($user_id, 'harmonyuser_sync_id', true) : '';
    $linked = $user_id ? get_user_meta($user_id, 'harmonyuser_sync_linked', true) === '1' : false;
    if ($link === '' && $linked) {
        return new WP_Error('harmonyuser_sync_linked_immutable', 'This user is linked: its sync id cannot become provisional again.', array('status' => 409));
    }
    if ($user_id && $new !== null && $current !== '' && $current !== $new) {
        if ($new === '' || $linked || $link !== '1') {
            return new WP_Error('harmonyuser_sync_id_immutable', 'The sync id of this user is already set and cannot be changed.', array('status' => 409, 'syncId' => $current, 'linked' => $linked));
        }
    }
    if ($user_id && $link === '1' && ($new === null || $new === '') && $current === '') {
        return new WP_Error('harmonyuser_sync_id_missing', 'This user has no sync id to link: send meta.harmonyuser_sync_id with the linked flag.', array('status' => 400));
    }
    if ($new !== null && $new !== '') {
        if (!harmonyuser_bridge_sync_id_lock($new)) {
            return new WP_Error('harmonyuser_sync_id_busy', 'Another request is claiming this sync id; retry.', array('status' => 409));
        }
        $others = get_users(array('meta_key' => 'harmonyuser_sync_id', 'meta_value' => $new, 'fields' => 'ID', 'number' => 2));
        foreach ($others as $other) {
            if ((int) $other !== (int) $user_id) {
                return new WP_Error('harmonyuser_sync_id_taken', 'Another user already has this sync id.', array('status' => 409, 'userId' => (int) $other));
            }
        }
        if ($user_id && $link === '1' && $current !== $new) {
            harmonyuser_bridge_link_allowed($user_id, $new, true);
        }
    }
    return null;
}

/** A REST write to a user's sync meta: its rules as clear errors (harmonyuser_bridge_check_sync_write), before the write. */
function harmonyuser_bridge_rest_check_sync_write($response, $handler, $request) {
    // Users who cannot edit_users get core's own 403 from the meta auth_callback.
    if (is_wp_error($response) || !current_user_can('edit_users') || !in_array($request->get_method(), array('POST', 'PUT', 'PATCH'), true)) {
        return $response;
    }
    if (!preg_match('#^/wp/v2/users(?:/(\d+|me))?$#', $request->get_route(), $m)) {
        return $response;
    }
    $meta = $request->get_param('meta');
    if (!is_array($meta)) {
        return $response;
    }
    $user_id = isset($m[1]) ? ($m[1] === 'me' ? get_current_user_id() : (int) $m[1]) : 0;
    if ($user_id && !get_userdata($user_id)) {
        return $response; // core answers 404
    }
    $error = harmonyuser_bridge_check_sync_write($user_id, $meta);
    return $error ? $error : $response;
}

/** The sync id locks of a write end with it (a batch holds one write's locks at a time). */
function harmonyuser_bridge_release_sync_id_locks($response) {
    harmonyuser_bridge_sync_id_lock(null);
    return $response;
}
