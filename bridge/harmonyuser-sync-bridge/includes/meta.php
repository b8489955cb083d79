<?php
/**
 * The plugin's user meta: registration (REST-visible, writes only by users who can edit_users),
 * sync id assignment on creation and its write-once rule.
 */

if (!defined('ABSPATH')) {
    exit;
}

/** The plugin's meta keys. */
function harmonyuser_bridge_meta_keys() {
    return array('harmonyuser_sync_id', 'harmonyuser_prohibit_propagation', 'harmonyuser_reject_incoming', 'harmonyuser_last_changed');
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

add_action('init', function () {
    $edit_only = array('schema' => array('context' => array('edit')));
    $flag = array(
        'type' => 'string',
        'single' => true,
        'default' => '',
        'show_in_rest' => $edit_only,
        'sanitize_callback' => function ($value) {
            return ($value === true || $value === 1 || $value === '1' || $value === 'true') ? '1' : '';
        },
        'auth_callback' => 'harmonyuser_bridge_can_sync_write',
    );
    register_meta('user', 'harmonyuser_prohibit_propagation', $flag + array('description' => 'Prohibit sync propagation of this user (1 or empty).'));
    register_meta('user', 'harmonyuser_reject_incoming', $flag + array('description' => 'Reject incoming sync modifications of this user (1 or empty).'));
    register_meta('user', 'harmonyuser_sync_id', array(
        'type' => 'string',
        'single' => true,
        'default' => '',
        'description' => 'Sync id (UUID) shared by the copies of this user on all synced sites. Settable once while empty.',
        'show_in_rest' => $edit_only,
        'sanitize_callback' => function ($value) {
            $value = strtolower(trim((string) $value));
            return harmonyuser_bridge_is_uuid($value) ? $value : '';
        },
        'auth_callback' => 'harmonyuser_bridge_can_sync_write',
    ));
    register_meta('user', 'harmonyuser_last_changed', array(
        'type' => 'string',
        'single' => true,
        'default' => '',
        'description' => 'When this user last changed (ISO 8601 UTC), maintained by the plugin.',
        'show_in_rest' => $edit_only,
        'auth_callback' => '__return_false',
    ));
});

// A sync id for every new user (the creator may replace it in the same request, e.g. REST meta on create).
add_action('user_register', function ($user_id) {
    harmonyuser_bridge_created_in_request($user_id, true);
    if (get_user_meta($user_id, 'harmonyuser_sync_id', true) === '') {
        harmonyuser_bridge_set_meta_internal($user_id, 'harmonyuser_sync_id', wp_generate_uuid4());
    }
    harmonyuser_bridge_set_meta_internal($user_id, 'harmonyuser_last_changed', harmonyuser_bridge_now_iso());
}, 1);

// Write-once: a set sync id never changes (except the auto-assigned one in its creation request).
add_filter('update_user_metadata', function ($check, $user_id, $key, $value) {
    if ($key !== 'harmonyuser_sync_id' || harmonyuser_bridge_internal() || harmonyuser_bridge_created_in_request($user_id)) {
        return $check;
    }
    $current = get_user_meta($user_id, 'harmonyuser_sync_id', true);
    if ($current !== '' && $current !== $value) {
        return false;
    }
    return $check;
}, 10, 4);
add_filter('delete_user_metadata', function ($check, $user_id, $key) {
    if ($key === 'harmonyuser_sync_id' && !harmonyuser_bridge_internal() && $user_id && !harmonyuser_bridge_created_in_request($user_id)) {
        return false;
    }
    return $check;
}, 10, 3);

// The same rule as a clear REST error (409) instead of a failed meta write; a sync id also stays unique.
add_filter('rest_request_before_callbacks', function ($response, $handler, $request) {
    // Users who cannot edit_users get core's own 403 from the meta auth_callback.
    if (is_wp_error($response) || !current_user_can('edit_users') || !in_array($request->get_method(), array('POST', 'PUT', 'PATCH'), true)) {
        return $response;
    }
    if (!preg_match('#^/wp/v2/users(?:/(\d+|me))?$#', $request->get_route(), $m)) {
        return $response;
    }
    $meta = $request->get_param('meta');
    if (!is_array($meta) || !array_key_exists('harmonyuser_sync_id', $meta)) {
        return $response;
    }
    $new = strtolower(trim((string) $meta['harmonyuser_sync_id']));
    $user_id = isset($m[1]) ? ($m[1] === 'me' ? get_current_user_id() : (int) $m[1]) : 0;
    if ($user_id) {
        $current = get_user_meta($user_id, 'harmonyuser_sync_id', true);
        if ($current !== '' && $current !== $new) {
            return new WP_Error('harmonyuser_sync_id_immutable', 'The sync id of this user is already set and cannot be changed.', array('status' => 409));
        }
    }
    if ($new !== '') {
        if (!harmonyuser_bridge_is_uuid($new)) {
            return new WP_Error('harmonyuser_sync_id_invalid', 'A sync id must be a UUID.', array('status' => 400));
        }
        $others = get_users(array('meta_key' => 'harmonyuser_sync_id', 'meta_value' => $new, 'fields' => 'ID', 'number' => 2));
        foreach ($others as $other) {
            if ((int) $other !== $user_id) {
                return new WP_Error('harmonyuser_sync_id_taken', 'Another user already has this sync id.', array('status' => 409, 'userId' => (int) $other));
            }
        }
    }
    return $response;
}, 10, 3);
