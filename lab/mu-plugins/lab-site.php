<?php
/**
 * Plugin Name: HarmonyUser Sync lab site
 * Description: Test-lab settings every lab site gets (installed by lab/lab.js; do not edit the copy in a site).
 */

// No mail from a lab site: wp_mail() returns false at once.
add_filter('pre_wp_mail', '__return_false');

// No update checks, no admin-email confirmation screen, no "site health" cron noise.
add_filter('automatic_updater_disabled', '__return_true');
add_filter('admin_email_check_interval', '__return_false');
remove_action('init', 'wp_schedule_update_checks');

// Application passwords over plain http (WP_ENVIRONMENT_TYPE=local already allows it; be explicit).
add_filter('wp_is_application_passwords_available', '__return_true');

// Tell which lab site answered (handy when debugging a mixed-up URL).
if (defined('HUS_LAB_SITE') && PHP_SAPI !== 'cli' && !headers_sent()) {
    header('X-HUS-Lab-Site: ' . HUS_LAB_SITE);
}

// The bridge refuses webhook receivers on loopback/private addresses unless the admin opts in; the lab's receivers
// (tests, n8n) run on 127.0.0.1, so lab sites opt in by default. A saved option (a test, the settings screen) wins.
add_filter('default_option_harmonyuser_bridge_allow_local_receivers', function () {
    return '1';
});

// Password hashes travel between bridges sealed with a network key that every site of a network shares; the
// lab's sites form one network, so they share this throwaway key by default (a saved option wins).
add_filter('default_option_harmonyuser_bridge_network_key', function () {
    return base64_encode(hash('sha256', 'harmonyuser lab network key', true));
});
