<?php
/**
 * Plugin Name:       HarmonyUser Sync Bridge
 * Description:       Companion of the n8n HarmonyUser Sync nodes: sync ids, per-user sync switches, lookup by sync id, changed-since listing, signed outgoing user webhooks with a durable queue, password-hash transfer and batch user writes.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            HarmonyUser Sync
 * License:           MIT
 * Text Domain:       harmonyuser-sync-bridge
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_VERSION', '1.0.0');
define('HARMONYUSER_BRIDGE_DB_VERSION', '3');
define('HARMONYUSER_BRIDGE_FILE', __FILE__);
define('HARMONYUSER_BRIDGE_NS', 'harmonyuser/v1');
define('HARMONYUSER_BRIDGE_CRON_HOOK', 'harmonyuser_bridge_run_queue');
define('HARMONYUSER_BRIDGE_LAST_CHANGE_OPTION', 'harmonyuser_bridge_last_change');

require_once __DIR__ . '/includes/util.php';
require_once __DIR__ . '/includes/crypto.php';
require_once __DIR__ . '/includes/passwords.php';
require_once __DIR__ . '/includes/guard.php';
require_once __DIR__ . '/includes/install.php';
require_once __DIR__ . '/includes/meta.php';
require_once __DIR__ . '/includes/profile.php';
require_once __DIR__ . '/includes/events.php';
require_once __DIR__ . '/includes/versions.php';
require_once __DIR__ . '/includes/queue.php';
require_once __DIR__ . '/includes/runner.php';
require_once __DIR__ . '/includes/webhooks.php';
require_once __DIR__ . '/includes/rest-users.php';
require_once __DIR__ . '/includes/batch.php';
require_once __DIR__ . '/includes/admin.php';
require_once __DIR__ . '/includes/hooks.php';

// Every action and filter (and the activation hooks) in one place: includes/hooks.php.
harmonyuser_bridge_register_hooks();
