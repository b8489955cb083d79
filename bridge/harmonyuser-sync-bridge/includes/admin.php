<?php
/**
 * wp-admin → Settings → HarmonyUser Sync (manage_options): the read-only switch, the IP allowlist (entries added,
 * edited, removed; enable switch; trusted proxies), local/private receivers, the webhook subscriptions (delete),
 * the outgoing delivery queue (counts, undelivered rows with their error class, retry now) and the event error log.
 * Every change is a POST to admin-post.php checked with current_user_can('manage_options') and check_admin_referer().
 * An admin notice announces each new webhook subscription until an administrator dismisses it.
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_ADMIN_SLUG', 'harmonyuser-sync');
// Our forms' nonce field: not "_wpnonce", so the notice's form never shadows a core form's nonce on the same page.
define('HARMONYUSER_BRIDGE_NONCE_FIELD', 'harmonyuser_nonce');

function harmonyuser_bridge_admin_url($args = array()) {
    return add_query_arg($args, admin_url('options-general.php?page=' . HARMONYUSER_BRIDGE_ADMIN_SLUG));
}

/** Adds Settings → HarmonyUser Sync (manage_options). */
function harmonyuser_bridge_admin_menu() {
    add_options_page('HarmonyUser Sync', 'HarmonyUser Sync', 'manage_options', HARMONYUSER_BRIDGE_ADMIN_SLUG, 'harmonyuser_bridge_admin_page');
}

/** A Settings link on the plugin's row of the Plugins screen, for administrators. */
function harmonyuser_bridge_admin_action_links($links) {
    if (current_user_can('manage_options')) {
        array_unshift($links, '<a href="' . esc_url(harmonyuser_bridge_admin_url()) . '">' . esc_html__('Settings', 'harmonyuser-sync-bridge') . '</a>');
    }
    return $links;
}

/* ------------------------------------------------------------------ messages across the redirect */

function harmonyuser_bridge_admin_flash($type, $text) {
    set_transient('harmonyuser_bridge_flash_' . get_current_user_id(), array('type' => $type, 'text' => $text), 120);
}

function harmonyuser_bridge_admin_take_flash() {
    $key = 'harmonyuser_bridge_flash_' . get_current_user_id();
    $flash = get_transient($key);
    if ($flash) {
        delete_transient($key);
    }
    return is_array($flash) ? $flash : null;
}

/** Capability and nonce, or the request ends (403). */
function harmonyuser_bridge_admin_check($action) {
    if (!current_user_can('manage_options')) {
        wp_die(esc_html__('Sorry, you are not allowed to manage HarmonyUser Sync.', 'harmonyuser-sync-bridge'), 403);
    }
    check_admin_referer($action, HARMONYUSER_BRIDGE_NONCE_FIELD);
}

function harmonyuser_bridge_admin_back($args = array()) {
    wp_safe_redirect(harmonyuser_bridge_admin_url($args));
    exit;
}

function harmonyuser_bridge_post($name) {
    return isset($_POST[$name]) ? trim((string) wp_unslash($_POST[$name])) : ''; // phpcs:ignore WordPress.Security.NonceVerification
}

/* ------------------------------------------------------------------ handlers */

/** Parses trusted proxies (one per line, or comma separated): array(canonical entries) or a WP_Error. */
function harmonyuser_bridge_parse_proxy_list($text) {
    $out = array();
    foreach (preg_split('/[\s,]+/', (string) $text, -1, PREG_SPLIT_NO_EMPTY) as $entry) {
        $parsed = harmonyuser_bridge_parse_cidr($entry);
        if (is_wp_error($parsed)) {
            return new WP_Error('harmonyuser_invalid_proxy', 'Trusted proxies: ' . $parsed->get_error_message());
        }
        $out[$parsed[2]] = $parsed[2];
    }
    return array_values($out);
}

/** Saves the protection settings: read-only, local receivers, the allowlist switch and trusted proxies. */
function harmonyuser_bridge_admin_save_protection() {
    harmonyuser_bridge_admin_check('harmonyuser_save_protection');
    $proxies = harmonyuser_bridge_parse_proxy_list(harmonyuser_bridge_post('trusted_proxies'));
    if (is_wp_error($proxies)) {
        harmonyuser_bridge_admin_flash('error', $proxies->get_error_message() . ' Nothing was saved.');
        harmonyuser_bridge_admin_back();
    }
    update_option(HARMONYUSER_BRIDGE_OPT_READ_ONLY, harmonyuser_bridge_post('read_only') === '1' ? '1' : '', true);
    update_option(HARMONYUSER_BRIDGE_OPT_ALLOW_LOCAL, harmonyuser_bridge_post('allow_local_receivers') === '1' ? '1' : '', true);
    update_option(HARMONYUSER_BRIDGE_OPT_ALLOWLIST_ENABLED, harmonyuser_bridge_post('allowlist_enabled') === '1' ? '1' : '', true);
    update_option(HARMONYUSER_BRIDGE_OPT_TRUSTED_PROXIES, $proxies, true);
    $text = 'Protection settings saved.';
    if (harmonyuser_bridge_allowlist_enabled() && !harmonyuser_bridge_allowlist()) {
        $text .= ' The IP allowlist is on and empty: no application password is accepted from anywhere.';
    }
    harmonyuser_bridge_admin_flash('success', $text);
    harmonyuser_bridge_admin_back();
}

/** Generates a network key, or saves one pasted from another site of the network. */
function harmonyuser_bridge_admin_network_key() {
    harmonyuser_bridge_admin_check('harmonyuser_network_key');
    if (harmonyuser_bridge_post('generate') === '1') {
        update_option(HARMONYUSER_BRIDGE_OPT_NETWORK_KEY, harmonyuser_bridge_generate_network_key(), false);
        harmonyuser_bridge_admin_flash('success', 'A new network key was generated (fingerprint ' . harmonyuser_bridge_network_key_fingerprint() . '). Copy it to every other site of the network.');
        harmonyuser_bridge_admin_back(array('show_key' => '1'));
    }
    $key = harmonyuser_bridge_parse_network_key(harmonyuser_bridge_post('network_key'));
    if (is_wp_error($key)) {
        harmonyuser_bridge_admin_flash('error', $key->get_error_message() . ' Nothing was saved.');
        harmonyuser_bridge_admin_back();
    }
    update_option(HARMONYUSER_BRIDGE_OPT_NETWORK_KEY, $key, false);
    harmonyuser_bridge_admin_flash('success', 'Network key saved (fingerprint ' . harmonyuser_bridge_network_key_fingerprint() . ').');
    harmonyuser_bridge_admin_back();
}

/** Adds an IP allowlist entry, or edits one. */
function harmonyuser_bridge_admin_allowlist_save() {
    harmonyuser_bridge_admin_check('harmonyuser_allowlist_save');
    $id = sanitize_key(harmonyuser_bridge_post('entry_id'));
    $parsed = harmonyuser_bridge_parse_cidr(harmonyuser_bridge_post('cidr'));
    $list = harmonyuser_bridge_allowlist();
    if (is_wp_error($parsed)) {
        harmonyuser_bridge_admin_flash('error', $parsed->get_error_message() . ' The allowlist was not changed.');
        harmonyuser_bridge_admin_back($id !== '' ? array('edit' => $id) : array());
    }
    if ($id !== '' && !isset($list[$id])) {
        harmonyuser_bridge_admin_flash('error', 'That allowlist entry no longer exists.');
        harmonyuser_bridge_admin_back();
    }
    foreach ($list as $other) {
        if ($other['cidr'] === $parsed[2] && $other['id'] !== $id) {
            harmonyuser_bridge_admin_flash('error', sprintf('%s is already on the allowlist.', $parsed[2]));
            harmonyuser_bridge_admin_back();
        }
    }
    if ($id === '') {
        $id = substr(str_replace('-', '', wp_generate_uuid4()), 0, 12);
    }
    $list[$id] = array('id' => $id, 'cidr' => $parsed[2], 'note' => substr(sanitize_text_field(harmonyuser_bridge_post('note')), 0, 200));
    update_option(HARMONYUSER_BRIDGE_OPT_ALLOWLIST, $list, true);
    harmonyuser_bridge_admin_flash('success', sprintf('Allowlist entry %s saved.', $parsed[2]));
    harmonyuser_bridge_admin_back();
}

/** Removes an IP allowlist entry. */
function harmonyuser_bridge_admin_allowlist_remove() {
    harmonyuser_bridge_admin_check('harmonyuser_allowlist_remove');
    $id = sanitize_key(harmonyuser_bridge_post('entry_id'));
    $list = harmonyuser_bridge_allowlist();
    if (isset($list[$id])) {
        $cidr = $list[$id]['cidr'];
        unset($list[$id]);
        update_option(HARMONYUSER_BRIDGE_OPT_ALLOWLIST, $list, true);
        $text = sprintf('Allowlist entry %s removed.', $cidr);
        if (!$list && harmonyuser_bridge_allowlist_enabled()) {
            $text .= ' The allowlist is now empty and on: no application password is accepted from anywhere.';
        }
        harmonyuser_bridge_admin_flash('success', $text);
    }
    harmonyuser_bridge_admin_back();
}

/** Deletes a webhook subscription with its queued deliveries. */
function harmonyuser_bridge_admin_webhook_delete() {
    harmonyuser_bridge_admin_check('harmonyuser_webhook_delete');
    $id = harmonyuser_bridge_post('webhook_id');
    $gone = harmonyuser_bridge_delete_webhooks(array($id));
    harmonyuser_bridge_admin_flash($gone ? 'success' : 'error', $gone ? sprintf('Subscription to %s deleted, with its queued deliveries.', $gone[$id]['url']) : 'No such subscription.');
    harmonyuser_bridge_admin_back();
}

/** Retry now: one queue row, or every failed row. */
function harmonyuser_bridge_admin_queue_retry() {
    harmonyuser_bridge_admin_check('harmonyuser_queue_retry');
    $row = harmonyuser_bridge_post('row_id');
    $counts = harmonyuser_bridge_retry_now($row === 'failed' || $row === '' ? null : array((int) $row));
    harmonyuser_bridge_admin_flash(
        $counts['processed'] && $counts['delivered'] === $counts['processed'] ? 'success' : ($counts['processed'] ? 'warning' : 'info'),
        sprintf('Retried %d: %d delivered, %d still failing.', $counts['processed'], $counts['delivered'], $counts['retry'] + $counts['failed'])
    );
    harmonyuser_bridge_admin_back();
}

/** Dismisses the notice of new subscriptions. */
function harmonyuser_bridge_admin_ack_subscriptions() {
    harmonyuser_bridge_admin_check('harmonyuser_ack_subscriptions');
    update_option(HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS, array(), false);
    $back = wp_get_referer();
    wp_safe_redirect($back ? $back : harmonyuser_bridge_admin_url());
    exit;
}

/* ------------------------------------------------------------------ the notice of new subscriptions */

/** The notice of new webhook subscriptions, for administrators, until one dismisses it. */
function harmonyuser_bridge_admin_new_subscriptions_notice() {
    if (!current_user_can('manage_options')) {
        return;
    }
    $hooks = harmonyuser_bridge_webhooks();
    $new = array_values(array_filter((array) get_option(HARMONYUSER_BRIDGE_OPT_NEW_SUBSCRIPTIONS, array()), function ($id) use ($hooks) {
        return isset($hooks[$id]);
    }));
    if (!$new) {
        return;
    }
    echo '<div class="notice notice-warning" id="harmonyuser-new-subscription-notice"><p><strong>HarmonyUser Sync:</strong> ';
    echo esc_html(_n('a new webhook subscription was created. It receives every user change on this site, password hashes included:', 'new webhook subscriptions were created. They receive every user change on this site, password hashes included:', count($new), 'harmonyuser-sync-bridge'));
    echo '</p><ul style="list-style:disc;margin-left:2em">';
    foreach ($new as $id) {
        $p = harmonyuser_bridge_webhook_public($hooks[$id]);
        $by = $p['createdBy']['login'] ? $p['createdBy']['login'] : 'unknown user';
        $how = $p['createdBy']['appPassword'] ? sprintf('application password “%s”', $p['createdBy']['appPasswordName'] ? $p['createdBy']['appPasswordName'] : $p['createdBy']['appPassword']) : 'a login session';
        printf('<li><code>%s</code> — by %s with %s, %s</li>', esc_html($p['url']), esc_html($by), esc_html($how), esc_html($p['created']));
    }
    echo '</ul><form method="post" action="' . esc_url(admin_url('admin-post.php')) . '"><p>';
    echo '<a class="button" href="' . esc_url(harmonyuser_bridge_admin_url()) . '#harmonyuser-webhooks">' . esc_html__('Review subscriptions', 'harmonyuser-sync-bridge') . '</a> ';
    echo '<input type="hidden" name="action" value="harmonyuser_ack_subscriptions" />';
    wp_nonce_field('harmonyuser_ack_subscriptions', HARMONYUSER_BRIDGE_NONCE_FIELD, false);
    echo '<button type="submit" class="button button-secondary" id="harmonyuser-ack-subscriptions">' . esc_html__('Dismiss', 'harmonyuser-sync-bridge') . '</button>';
    echo '</p></form></div>';
}

/* ------------------------------------------------------------------ the page */

/** A small POST form with one button (delete, remove, retry). */
function harmonyuser_bridge_admin_button_form($action, $fields, $label, $attrs = '') {
    $out = '<form method="post" action="' . esc_url(admin_url('admin-post.php')) . '" style="display:inline">';
    $out .= '<input type="hidden" name="action" value="' . esc_attr($action) . '" />';
    foreach ($fields as $name => $value) {
        $out .= '<input type="hidden" name="' . esc_attr($name) . '" value="' . esc_attr($value) . '" />';
    }
    $out .= wp_nonce_field($action, HARMONYUSER_BRIDGE_NONCE_FIELD, true, false);
    $out .= '<button type="submit" class="button button-small" ' . $attrs . '>' . esc_html($label) . '</button></form>';
    return $out;
}

function harmonyuser_bridge_admin_time($ts) {
    $ts = (int) $ts;
    return $ts > 0 ? wp_date('Y-m-d H:i:s', $ts) : '—';
}

function harmonyuser_bridge_admin_page() {
    global $wpdb;
    if (!current_user_can('manage_options')) {
        wp_die(esc_html__('Sorry, you are not allowed to manage HarmonyUser Sync.', 'harmonyuser-sync-bridge'), 403);
    }
    $flash = harmonyuser_bridge_admin_take_flash();
    $list = harmonyuser_bridge_allowlist();
    $edit_id = isset($_GET['edit']) ? sanitize_key(wp_unslash($_GET['edit'])) : ''; // phpcs:ignore WordPress.Security.NonceVerification
    $editing = ($edit_id !== '' && isset($list[$edit_id])) ? $list[$edit_id] : null;
    $hooks = harmonyuser_bridge_webhooks();
    $counts = harmonyuser_bridge_queue_counts();
    $table = harmonyuser_bridge_queue_table();
    $rows = $wpdb->get_results("SELECT id, event_id, webhook_id, event, user_id, body, status, attempts, next_attempt_at, last_status, last_error, created_at FROM $table WHERE status <> 'delivered' ORDER BY id DESC LIMIT 50");
    $classes = harmonyuser_bridge_error_classes();
    $post_url = esc_url(admin_url('admin-post.php'));
    ?>
    <div class="wrap" id="harmonyuser-sync-settings">
        <h1>HarmonyUser Sync</h1>
        <?php if ($flash) : ?>
            <div class="notice notice-<?php echo esc_attr($flash['type']); ?> is-dismissible" id="harmonyuser-flash"><p><?php echo esc_html($flash['text']); ?></p></div>
        <?php endif; ?>
        <p><?php echo esc_html__('These rules are enforced by this site for every request signed in with an application password — the sync, n8n\'s own WordPress node, or anyone holding a leaked one. Administrators working here in wp-admin are not affected.', 'harmonyuser-sync-bridge'); ?></p>

        <h2><?php echo esc_html__('Protection', 'harmonyuser-sync-bridge'); ?></h2>
        <form method="post" action="<?php echo $post_url; // phpcs:ignore WordPress.Security.EscapeOutput ?>" id="harmonyuser-protection-form">
            <input type="hidden" name="action" value="harmonyuser_save_protection" />
            <?php wp_nonce_field('harmonyuser_save_protection', HARMONYUSER_BRIDGE_NONCE_FIELD); ?>
            <table class="form-table" role="presentation">
                <tr>
                    <th scope="row"><?php echo esc_html__('Read-only', 'harmonyuser-sync-bridge'); ?></th>
                    <td><label for="harmonyuser_read_only"><input type="checkbox" name="read_only" id="harmonyuser_read_only" value="1" <?php checked(harmonyuser_bridge_is_read_only()); ?> />
                        <?php echo esc_html__('Read-only for sync: refuse user creates, updates, role and password changes and deletes made with application passwords (403 harmonyuser_site_read_only). Reading stays allowed.', 'harmonyuser-sync-bridge'); ?></label></td>
                </tr>
                <tr>
                    <th scope="row"><?php echo esc_html__('IP allowlist', 'harmonyuser-sync-bridge'); ?></th>
                    <td><label for="harmonyuser_allowlist_enabled"><input type="checkbox" name="allowlist_enabled" id="harmonyuser_allowlist_enabled" value="1" <?php checked(harmonyuser_bridge_allowlist_enabled()); ?> />
                        <?php echo esc_html__('Accept application passwords only from the addresses listed below (403 harmonyuser_ip_not_allowed elsewhere).', 'harmonyuser-sync-bridge'); ?></label>
                        <p class="description"><?php printf(esc_html__('Your address as this site sees it: %s', 'harmonyuser-sync-bridge'), '<code id="harmonyuser-your-ip">' . esc_html(harmonyuser_bridge_client_ip()) . '</code>'); ?></p></td>
                </tr>
                <tr>
                    <th scope="row"><label for="harmonyuser_trusted_proxies"><?php echo esc_html__('Trusted proxies', 'harmonyuser-sync-bridge'); ?></label></th>
                    <td><textarea name="trusted_proxies" id="harmonyuser_trusted_proxies" rows="3" cols="40" class="code"><?php echo esc_textarea(implode("\n", harmonyuser_bridge_trusted_proxies())); ?></textarea>
                        <p class="description"><?php echo esc_html__('One IP or CIDR range per line. X-Forwarded-For is believed only when the connection comes from one of these; the client is then its right-most address that is not a trusted proxy.', 'harmonyuser-sync-bridge'); ?></p></td>
                </tr>
                <tr>
                    <th scope="row"><?php echo esc_html__('Webhook receivers', 'harmonyuser-sync-bridge'); ?></th>
                    <td><label for="harmonyuser_allow_local"><input type="checkbox" name="allow_local_receivers" id="harmonyuser_allow_local" value="1" <?php checked(harmonyuser_bridge_allow_local_receivers()); ?> />
                        <?php echo esc_html__('Allow local and private receivers (loopback, private and reserved addresses, any port), e.g. an n8n on this machine or in the same network.', 'harmonyuser-sync-bridge'); ?></label></td>
                </tr>
            </table>
            <?php submit_button(__('Save protection settings', 'harmonyuser-sync-bridge'), 'primary', 'submit', true, array('id' => 'harmonyuser-save-protection')); ?>
        </form>

        <h2 id="harmonyuser-allowlist-title"><?php echo esc_html__('IP allowlist entries', 'harmonyuser-sync-bridge'); ?></h2>
        <?php if (harmonyuser_bridge_allowlist_enabled() && !$list) : ?>
            <div class="notice notice-warning inline"><p><?php echo esc_html__('The allowlist is on and empty: no application password is accepted from anywhere.', 'harmonyuser-sync-bridge'); ?></p></div>
        <?php endif; ?>
        <table class="widefat striped" id="harmonyuser-allowlist" style="max-width:900px">
            <thead><tr><th><?php echo esc_html__('Address or range', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Note', 'harmonyuser-sync-bridge'); ?></th><th></th></tr></thead>
            <tbody>
            <?php if (!$list) : ?>
                <tr class="no-items"><td colspan="3"><?php echo esc_html__('No entries.', 'harmonyuser-sync-bridge'); ?></td></tr>
            <?php endif; ?>
            <?php foreach ($list as $entry) : ?>
                <tr data-entry-id="<?php echo esc_attr($entry['id']); ?>">
                    <td><code><?php echo esc_html($entry['cidr']); ?></code></td>
                    <td><?php echo esc_html($entry['note']); ?></td>
                    <td>
                        <a class="button button-small harmonyuser-edit-entry" href="<?php echo esc_url(harmonyuser_bridge_admin_url(array('edit' => $entry['id']))); ?>#harmonyuser-allowlist-form"><?php echo esc_html__('Edit', 'harmonyuser-sync-bridge'); ?></a>
                        <?php echo harmonyuser_bridge_admin_button_form('harmonyuser_allowlist_remove', array('entry_id' => $entry['id']), __('Remove', 'harmonyuser-sync-bridge'), 'class="button button-small harmonyuser-remove-entry"'); // phpcs:ignore WordPress.Security.EscapeOutput ?>
                    </td>
                </tr>
            <?php endforeach; ?>
            </tbody>
        </table>
        <form method="post" action="<?php echo $post_url; // phpcs:ignore WordPress.Security.EscapeOutput ?>" id="harmonyuser-allowlist-form">
            <input type="hidden" name="action" value="harmonyuser_allowlist_save" />
            <input type="hidden" name="entry_id" value="<?php echo esc_attr($editing ? $editing['id'] : ''); ?>" />
            <?php wp_nonce_field('harmonyuser_allowlist_save', HARMONYUSER_BRIDGE_NONCE_FIELD); ?>
            <h3><?php echo esc_html($editing ? __('Edit entry', 'harmonyuser-sync-bridge') : __('Add an entry', 'harmonyuser-sync-bridge')); ?></h3>
            <p>
                <label for="harmonyuser_cidr"><?php echo esc_html__('IPv4 or IPv6 address, or CIDR range', 'harmonyuser-sync-bridge'); ?></label><br />
                <input type="text" name="cidr" id="harmonyuser_cidr" class="regular-text code" placeholder="203.0.113.0/24 or 2001:db8::/32" value="<?php echo esc_attr($editing ? $editing['cidr'] : ''); ?>" />
            </p>
            <p>
                <label for="harmonyuser_note"><?php echo esc_html__('Note', 'harmonyuser-sync-bridge'); ?></label><br />
                <input type="text" name="note" id="harmonyuser_note" class="regular-text" value="<?php echo esc_attr($editing ? $editing['note'] : ''); ?>" />
            </p>
            <p>
                <button type="submit" class="button button-secondary" id="harmonyuser-save-entry"><?php echo esc_html($editing ? __('Save entry', 'harmonyuser-sync-bridge') : __('Add entry', 'harmonyuser-sync-bridge')); ?></button>
                <?php if ($editing) : ?><a class="button-link" href="<?php echo esc_url(harmonyuser_bridge_admin_url()); ?>"><?php echo esc_html__('Cancel', 'harmonyuser-sync-bridge'); ?></a><?php endif; ?>
            </p>
        </form>

        <h2 id="harmonyuser-network-key-title"><?php echo esc_html__('Password hashes between sites', 'harmonyuser-sync-bridge'); ?></h2>
        <p class="description"><?php echo esc_html__('Password hashes leave this site only sealed with the network key, so n8n, its logs and any receiver hold ciphertext. Give every site of the network the same key; a site without it neither sends nor accepts password hashes.', 'harmonyuser-sync-bridge'); ?></p>
        <?php $fingerprint = harmonyuser_bridge_network_key_fingerprint(); ?>
        <p id="harmonyuser-network-key-state"><?php echo $fingerprint !== ''
            ? esc_html(sprintf(__('A network key is set: fingerprint %s (the same key shows the same fingerprint on every site).', 'harmonyuser-sync-bridge'), $fingerprint))
            : esc_html__('No network key is set: password hashes are not synced.', 'harmonyuser-sync-bridge'); ?></p>
        <?php if ($fingerprint !== '' && isset($_GET['show_key'])) : // phpcs:ignore WordPress.Security.NonceVerification ?>
            <p><?php echo esc_html__('Copy this key to the other sites now (it is not shown again):', 'harmonyuser-sync-bridge'); ?> <code id="harmonyuser-network-key-value"><?php echo esc_html((string) get_option(HARMONYUSER_BRIDGE_OPT_NETWORK_KEY, '')); ?></code></p>
        <?php endif; ?>
        <form method="post" action="<?php echo $post_url; // phpcs:ignore WordPress.Security.EscapeOutput ?>" id="harmonyuser-network-key-form">
            <input type="hidden" name="action" value="harmonyuser_network_key" />
            <?php wp_nonce_field('harmonyuser_network_key', HARMONYUSER_BRIDGE_NONCE_FIELD); ?>
            <p>
                <label for="harmonyuser_network_key"><?php echo esc_html__('Network key from another site', 'harmonyuser-sync-bridge'); ?></label><br />
                <input type="password" name="network_key" id="harmonyuser_network_key" class="regular-text" autocomplete="off" />
                <button type="submit" class="button button-secondary" id="harmonyuser-save-network-key"><?php echo esc_html__('Save key', 'harmonyuser-sync-bridge'); ?></button>
                <button type="submit" class="button button-secondary" name="generate" value="1" id="harmonyuser-generate-network-key"><?php echo esc_html__('Generate a new key', 'harmonyuser-sync-bridge'); ?></button>
            </p>
        </form>

        <h2 id="harmonyuser-webhooks-title"><?php echo esc_html__('Webhook subscriptions', 'harmonyuser-sync-bridge'); ?></h2>
        <p class="description"><?php echo esc_html__('Each receives every user change on this site, password hashes included. A subscription is removed automatically when the application password that created it is revoked, or its user is deleted or can no longer manage options and list users.', 'harmonyuser-sync-bridge'); ?></p>
        <table class="widefat striped" id="harmonyuser-webhooks">
            <thead><tr><th><?php echo esc_html__('Receiver', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Events', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Created', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Created by', 'harmonyuser-sync-bridge'); ?></th><th></th></tr></thead>
            <tbody>
            <?php if (!$hooks) : ?>
                <tr class="no-items"><td colspan="5"><?php echo esc_html__('No subscriptions.', 'harmonyuser-sync-bridge'); ?></td></tr>
            <?php endif; ?>
            <?php foreach ($hooks as $hook) : $p = harmonyuser_bridge_webhook_public($hook); ?>
                <tr data-webhook-id="<?php echo esc_attr($p['id']); ?>">
                    <td><code><?php echo esc_html($p['url']); ?></code></td>
                    <td><?php echo esc_html(implode(', ', $p['events'])); ?></td>
                    <td><?php echo esc_html($p['created']); ?></td>
                    <td><?php
                        if ($p['createdBy']['userId'] === null) {
                            echo esc_html__('unknown (created before owners were recorded)', 'harmonyuser-sync-bridge');
                        } else {
                            echo esc_html($p['createdBy']['login'] ? $p['createdBy']['login'] : '#' . $p['createdBy']['userId']);
                            echo '<br /><small>' . esc_html($p['createdBy']['appPassword'] ? sprintf('application password “%s”', $p['createdBy']['appPasswordName'] ? $p['createdBy']['appPasswordName'] : $p['createdBy']['appPassword']) : 'login session') . '</small>';
                        }
                    ?></td>
                    <td><?php echo harmonyuser_bridge_admin_button_form('harmonyuser_webhook_delete', array('webhook_id' => $p['id']), __('Delete', 'harmonyuser-sync-bridge'), 'class="button button-small button-link-delete harmonyuser-delete-webhook"'); // phpcs:ignore WordPress.Security.EscapeOutput ?></td>
                </tr>
            <?php endforeach; ?>
            </tbody>
        </table>

        <h2 id="harmonyuser-queue-title"><?php echo esc_html__('Outgoing delivery queue', 'harmonyuser-sync-bridge'); ?></h2>
        <p id="harmonyuser-queue-counts">
            <?php printf(
                esc_html__('Pending: %1$s · Sending: %2$s · Failed: %3$s · Delivered (last 7 days): %4$s', 'harmonyuser-sync-bridge'),
                '<strong data-count="pending">' . (int) $counts['pending'] . '</strong>',
                '<strong data-count="sending">' . (int) $counts['sending'] . '</strong>',
                '<strong data-count="failed">' . (int) $counts['failed'] . '</strong>',
                '<strong data-count="delivered">' . (int) $counts['delivered'] . '</strong>'
            ); ?>
            <?php if ($counts['failed'] > 0) {
                echo ' ' . harmonyuser_bridge_admin_button_form('harmonyuser_queue_retry', array('row_id' => 'failed'), __('Retry all failed now', 'harmonyuser-sync-bridge'), 'class="button button-small" id="harmonyuser-retry-all"'); // phpcs:ignore WordPress.Security.EscapeOutput
            } ?>
        </p>
        <table class="widefat striped" id="harmonyuser-queue">
            <thead><tr><th>#</th><th><?php echo esc_html__('Event', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('User', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Receiver', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Status', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Attempts', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Next attempt', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Last error', 'harmonyuser-sync-bridge'); ?></th><th></th></tr></thead>
            <tbody>
            <?php if (!$rows) : ?>
                <tr class="no-items"><td colspan="9"><?php echo esc_html__('Nothing waiting: every event was delivered.', 'harmonyuser-sync-bridge'); ?></td></tr>
            <?php endif; ?>
            <?php foreach ((array) $rows as $r) :
                $event = json_decode((string) $r->body, true);
                $login = is_array($event) && isset($event['user']['login']) ? $event['user']['login'] : '#' . (int) $r->user_id;
                $class = (string) $r->last_error;
                ?>
                <tr data-row-id="<?php echo (int) $r->id; ?>" data-status="<?php echo esc_attr($r->status); ?>">
                    <td><?php echo (int) $r->id; ?></td>
                    <td><?php echo esc_html($r->event); ?></td>
                    <td><?php echo esc_html($login); ?></td>
                    <td><code><?php echo esc_html(isset($hooks[$r->webhook_id]) ? $hooks[$r->webhook_id]['url'] : '—'); ?></code></td>
                    <td><?php echo esc_html($r->status); ?></td>
                    <td><?php echo (int) $r->attempts; ?></td>
                    <td><?php echo esc_html($r->status === 'failed' ? '—' : harmonyuser_bridge_admin_time($r->next_attempt_at)); ?></td>
                    <td class="harmonyuser-error-class"><?php
                        if ($class !== '') {
                            echo '<code title="' . esc_attr(isset($classes[$class]) ? $classes[$class] : '') . '">' . esc_html($class) . '</code>';
                            if ((int) $r->last_status > 0) {
                                echo ' <small>(HTTP ' . (int) $r->last_status . ')</small>';
                            }
                        } else {
                            echo '—';
                        }
                    ?></td>
                    <td><?php echo harmonyuser_bridge_admin_button_form('harmonyuser_queue_retry', array('row_id' => (string) (int) $r->id), __('Retry now', 'harmonyuser-sync-bridge'), 'class="button button-small harmonyuser-retry-row"'); // phpcs:ignore WordPress.Security.EscapeOutput ?></td>
                </tr>
            <?php endforeach; ?>
            </tbody>
        </table>
        <details id="harmonyuser-error-classes">
            <summary><?php echo esc_html__('What the error classes mean', 'harmonyuser-sync-bridge'); ?></summary>
            <table class="widefat striped" style="max-width:900px">
                <?php foreach ($classes as $key => $text) : ?>
                    <tr><td><code><?php echo esc_html($key); ?></code></td><td><?php echo esc_html($text); ?></td></tr>
                <?php endforeach; ?>
            </table>
            <p class="description"><?php echo esc_html__('Only the class is stored, never the transport\'s message: the queue does not tell which hosts and ports answer.', 'harmonyuser-sync-bridge'); ?></p>
        </details>

        <?php $errors = array_reverse(harmonyuser_bridge_event_errors()); ?>
        <?php if ($errors) : ?>
            <h2 id="harmonyuser-event-errors-title"><?php echo esc_html__('Values left out of events', 'harmonyuser-sync-bridge'); ?></h2>
            <table class="widefat striped" id="harmonyuser-event-errors">
                <thead><tr><th><?php echo esc_html__('Time', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('User', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Field', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Size', 'harmonyuser-sync-bridge'); ?></th><th><?php echo esc_html__('Reason', 'harmonyuser-sync-bridge'); ?></th></tr></thead>
                <tbody>
                <?php foreach (array_slice($errors, 0, 20) as $e) : ?>
                    <tr>
                        <td><?php echo esc_html($e['time']); ?></td>
                        <td><?php echo esc_html($e['login']); ?></td>
                        <td><code><?php echo esc_html($e['field']); ?></code></td>
                        <td><?php echo esc_html(size_format((int) $e['bytes']) . ' > ' . size_format((int) $e['limit'])); ?></td>
                        <td><?php echo esc_html($e['reason'] === 'field_too_large' ? 'larger than the per-field limit: not sent' : 'the event was over its limit: not sent'); ?></td>
                    </tr>
                <?php endforeach; ?>
                </tbody>
            </table>
        <?php endif; ?>
    </div>
    <?php
}
