<?php
/**
 * Every hook of the plugin, registered in one place: harmonyuser_bridge_register_hooks(), called once by the main
 * plugin file after all of includes/ is loaded. Each callback is a named function (or a static method) of the file
 * of its concern; those files only define functions, classes and constants, so the order they load in cannot matter.
 *
 * The order below is the order of registration, which WordPress keeps for callbacks of one hook at one priority
 * (e.g. rest_request_before_callbacks at 10: the hash check before the sync meta check; shutdown at 100: the
 * password state before the user locks; rest_api_init: the REST fields and routes). Keep it when adding a hook.
 *
 * Registered elsewhere, at run time, on purpose (only in requests that need them): the tracker's flush at shutdown
 * (0, HarmonyUser_Bridge_Tracker::hook(), includes/events.php) and the check of subscription owners whose
 * capabilities changed at shutdown (-10, harmonyuser_bridge_note_capability_change(), includes/webhooks.php).
 * uninstall.php runs without the plugin loaded and registers nothing.
 */

if (!defined('ABSPATH')) {
    exit;
}

/** Registers every action and filter of the plugin, and its activation and deactivation hooks. */
function harmonyuser_bridge_register_hooks() {
    // Password hashes (passwords.php): refuse hashes this site cannot verify, tell a login's rehash from a password
    // change, hash a create's throwaway password cheaply.
    add_filter('rest_request_before_callbacks', 'harmonyuser_bridge_refuse_unverifiable_hash', 10, 3);
    add_filter('check_password', array('HarmonyUser_Bridge_Passwords', 'checked'), PHP_INT_MAX, 4);
    add_action('wp_set_password', array('HarmonyUser_Bridge_Passwords', 'set'), 0, 2);
    add_action('shutdown', array('HarmonyUser_Bridge_Passwords', 'forget'), 100);
    add_filter('rest_pre_insert_user', 'harmonyuser_bridge_prepare_throwaway_password', PHP_INT_MAX, 2);
    add_filter('wp_hash_password_options', 'harmonyuser_bridge_hash_password_options', PHP_INT_MAX, 2);
    add_action('rest_insert_user', 'harmonyuser_bridge_spend_cheap_hash');
    add_action('rest_api_init', 'harmonyuser_bridge_register_throwaway_field');
    add_filter('rest_pre_insert_user', 'harmonyuser_bridge_rest_update_keeps_password', 10, 2);
    add_action('personal_options_update', 'harmonyuser_bridge_profile_update_keeps_password', 0);
    add_action('edit_user_profile_update', 'harmonyuser_bridge_profile_update_keeps_password', 0);
    add_filter('wp_pre_insert_user_data', 'harmonyuser_bridge_keep_current_password', PHP_INT_MAX, 3);

    // The guard (guard.php): IP allowlist of application passwords, then read-only site and reject-incoming users,
    // layer 1 on known REST write routes, layer 2 at the data layer (users, user meta, the users table).
    add_action('application_password_did_authenticate', 'harmonyuser_bridge_note_app_password', 10, 2);
    add_action('wp_authenticate_application_password_errors', 'harmonyuser_bridge_check_app_password_ip', 10, 3);
    add_filter('rest_authentication_errors', 'harmonyuser_bridge_rest_ip_refusal', 5);
    add_filter('rest_request_before_callbacks', 'harmonyuser_bridge_guard_rest_write', 5, 3);
    add_filter('wp_pre_insert_user_data', 'harmonyuser_bridge_guard_user_insert', 1, 3);
    add_action('delete_user', 'harmonyuser_bridge_guard_user_delete', 1);
    add_filter('add_user_metadata', 'harmonyuser_bridge_guard_meta_write', 1, 3);
    add_filter('update_user_metadata', 'harmonyuser_bridge_guard_meta_write', 1, 3);
    add_filter('delete_user_metadata', 'harmonyuser_bridge_guard_meta_write', 1, 3);
    add_filter('query', 'harmonyuser_bridge_guard_users_query', 1);
    add_filter('rest_post_dispatch', 'harmonyuser_bridge_info_read_only', 10, 3);

    // Install and upgrades (install.php): the five-minute cron schedule, the upgrade of an older site.
    add_filter('cron_schedules', 'harmonyuser_bridge_cron_schedules');
    add_action('plugins_loaded', 'harmonyuser_bridge_maybe_upgrade');

    // The plugin's user meta (meta.php): registration, a sync id for every new user, write-once, REST checks.
    add_action('init', 'harmonyuser_bridge_register_user_meta');
    add_action('user_register', 'harmonyuser_bridge_assign_sync_id', 1);
    add_filter('update_user_metadata', 'harmonyuser_bridge_sync_id_write_once', 10, 4);
    add_filter('delete_user_metadata', 'harmonyuser_bridge_sync_id_keep', 10, 3);
    add_filter('rest_request_before_callbacks', 'harmonyuser_bridge_rest_check_sync_write', 10, 3);
    add_filter('rest_request_after_callbacks', 'harmonyuser_bridge_release_sync_id_locks', 10, 1);

    // The two sync switches on the profile screens (profile.php).
    add_action('show_user_profile', 'harmonyuser_bridge_profile_fields');
    add_action('edit_user_profile', 'harmonyuser_bridge_profile_fields');
    add_action('personal_options_update', 'harmonyuser_bridge_profile_save');
    add_action('edit_user_profile_update', 'harmonyuser_bridge_profile_save');

    // Change tracking (events.php): "before" hooks snapshot a user before anything about it changes; creates and
    // deletes are noted. The events are built at shutdown.
    add_filter('wp_pre_insert_user_data', 'harmonyuser_bridge_track_user_update', 10, 3);
    add_action('add_user_meta', 'harmonyuser_bridge_track_meta_add', 10, 2);
    add_action('update_user_meta', 'harmonyuser_bridge_track_meta_write', 10, 3);
    add_action('delete_user_meta', 'harmonyuser_bridge_track_meta_write', 10, 3);
    add_action('password_reset', 'harmonyuser_bridge_track_password_reset');
    add_filter('query', 'harmonyuser_bridge_track_password_query');
    add_action('user_register', 'harmonyuser_bridge_track_user_created', 5);
    add_action('delete_user', 'harmonyuser_bridge_track_user_deleted');

    // Versions (versions.php): per-user locks released at the end (after the tracker's flush at shutdown 0, for
    // requests that changed nothing it tracks), the REST fields, compare-and-set of versioned REST writes.
    add_action('shutdown', 'harmonyuser_bridge_release_user_locks', 100);
    add_action('rest_api_init', 'harmonyuser_bridge_register_version_fields');
    add_filter('rest_dispatch_request', 'harmonyuser_bridge_cas_dispatch', 10, 4);
    add_action('rest_after_insert_user', 'harmonyuser_bridge_cas_after_insert', 10, 3);
    add_filter('rest_request_after_callbacks', 'harmonyuser_bridge_cas_forget', 10, 3);

    // The outgoing queue (queue.php): the cron event, the queue routes, the upgrade of old rows.
    add_action(HARMONYUSER_BRIDGE_CRON_HOOK, 'harmonyuser_bridge_cron_run_queue');
    add_action('rest_api_init', 'harmonyuser_bridge_register_queue_routes');
    add_action('plugins_loaded', 'harmonyuser_bridge_maybe_upgrade_queue_rows', 20);

    // The runner (runner.php): its loopback request, short connect timeouts for deliveries.
    add_action('wp_ajax_nopriv_' . HARMONYUSER_BRIDGE_RUNNER_ACTION, 'harmonyuser_bridge_runner_request');
    add_action('wp_ajax_' . HARMONYUSER_BRIDGE_RUNNER_ACTION, 'harmonyuser_bridge_runner_request');
    add_action('http_api_curl', 'harmonyuser_bridge_curl_connect_timeout', 10, 2);

    // Webhook subscriptions (webhooks.php): gone with their application password or owner, checked when the
    // owner's capabilities change; the webhook routes.
    add_action('wp_delete_application_password', 'harmonyuser_bridge_webhooks_app_password_revoked', 10, 2);
    add_action('deleted_user', 'harmonyuser_bridge_webhooks_owner_deleted');
    add_action('added_user_meta', 'harmonyuser_bridge_caps_meta_changed', 10, 3);
    add_action('updated_user_meta', 'harmonyuser_bridge_caps_meta_changed', 10, 3);
    add_action('deleted_user_meta', 'harmonyuser_bridge_caps_meta_changed', 10, 3);
    add_action('rest_api_init', 'harmonyuser_bridge_register_webhook_routes');

    // REST user routes and fields (rest-users.php).
    add_action('rest_api_init', 'harmonyuser_bridge_register_user_routes');
    add_action('rest_api_init', 'harmonyuser_bridge_register_locale_field');
    add_action('rest_api_init', 'harmonyuser_bridge_register_password_hash_field');

    // /batch/v1 carries user writes (batch.php).
    add_filter('rest_endpoints', 'harmonyuser_bridge_batch_user_routes');

    // wp-admin (admin.php): the settings screen, its form handlers (admin-post.php), the new-subscription notice.
    add_action('admin_menu', 'harmonyuser_bridge_admin_menu');
    add_filter('plugin_action_links_' . plugin_basename(HARMONYUSER_BRIDGE_FILE), 'harmonyuser_bridge_admin_action_links');
    add_action('admin_post_harmonyuser_save_protection', 'harmonyuser_bridge_admin_save_protection');
    add_action('admin_post_harmonyuser_network_key', 'harmonyuser_bridge_admin_network_key');
    add_action('admin_post_harmonyuser_allowlist_save', 'harmonyuser_bridge_admin_allowlist_save');
    add_action('admin_post_harmonyuser_allowlist_remove', 'harmonyuser_bridge_admin_allowlist_remove');
    add_action('admin_post_harmonyuser_webhook_delete', 'harmonyuser_bridge_admin_webhook_delete');
    add_action('admin_post_harmonyuser_queue_retry', 'harmonyuser_bridge_admin_queue_retry');
    add_action('admin_post_harmonyuser_ack_subscriptions', 'harmonyuser_bridge_admin_ack_subscriptions');
    add_action('admin_notices', 'harmonyuser_bridge_admin_new_subscriptions_notice');

    // Activation and deactivation (install.php), named by the main plugin file as WordPress requires.
    register_activation_hook(HARMONYUSER_BRIDGE_FILE, 'harmonyuser_bridge_activate');
    register_deactivation_hook(HARMONYUSER_BRIDGE_FILE, 'harmonyuser_bridge_deactivate');
}
