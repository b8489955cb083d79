<?php
/** The two sync switches (and the read-only sync id, linked or provisional) on profile.php / user-edit.php, for users who can edit_users. */

if (!defined('ABSPATH')) {
    exit;
}

function harmonyuser_bridge_profile_fields($user) {
    if (!current_user_can('edit_users') || !current_user_can('edit_user', $user->ID)) {
        return;
    }
    $sync_id = get_user_meta($user->ID, 'harmonyuser_sync_id', true);
    $linked = get_user_meta($user->ID, 'harmonyuser_sync_linked', true) === '1';
    $prohibit = get_user_meta($user->ID, 'harmonyuser_prohibit_propagation', true) === '1';
    $reject = get_user_meta($user->ID, 'harmonyuser_reject_incoming', true) === '1';
    wp_nonce_field('harmonyuser_profile_' . $user->ID, 'harmonyuser_profile_nonce');
    ?>
    <h2><?php echo esc_html__('HarmonyUser Sync', 'harmonyuser-sync-bridge'); ?></h2>
    <table class="form-table" role="presentation">
        <tr>
            <th scope="row"><?php echo esc_html__('Sync id', 'harmonyuser-sync-bridge'); ?></th>
            <td>
                <code id="harmonyuser-sync-id"><?php echo esc_html($sync_id !== '' ? $sync_id : '—'); ?></code>
                <?php if ($sync_id !== '') : ?>
                    <span id="harmonyuser-sync-linked" data-linked="<?php echo $linked ? '1' : ''; ?>">
                        <?php echo esc_html($linked ? __('linked (set by a sync; never changes)', 'harmonyuser-sync-bridge') : __('provisional (assigned on this site; the first sync that links this user may replace it)', 'harmonyuser-sync-bridge')); ?>
                    </span>
                <?php endif; ?>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php echo esc_html__('Sync switches', 'harmonyuser-sync-bridge'); ?></th>
            <td>
                <label for="harmonyuser_prohibit_propagation">
                    <input type="checkbox" name="harmonyuser_prohibit_propagation" id="harmonyuser_prohibit_propagation" value="1" <?php checked($prohibit); ?> />
                    <?php echo esc_html__('Prohibit sync propagation', 'harmonyuser-sync-bridge'); ?>
                </label><br />
                <label for="harmonyuser_reject_incoming">
                    <input type="checkbox" name="harmonyuser_reject_incoming" id="harmonyuser_reject_incoming" value="1" <?php checked($reject); ?> />
                    <?php echo esc_html__('Reject incoming sync modifications', 'harmonyuser-sync-bridge'); ?>
                </label>
            </td>
        </tr>
    </table>
    <?php
}

function harmonyuser_bridge_profile_save($user_id) {
    if (!current_user_can('edit_users') || !current_user_can('edit_user', $user_id)) {
        return;
    }
    $nonce = isset($_POST['harmonyuser_profile_nonce']) ? sanitize_text_field(wp_unslash($_POST['harmonyuser_profile_nonce'])) : '';
    if (!wp_verify_nonce($nonce, 'harmonyuser_profile_' . $user_id)) {
        return;
    }
    foreach (array('harmonyuser_prohibit_propagation', 'harmonyuser_reject_incoming') as $key) {
        update_user_meta($user_id, $key, empty($_POST[$key]) ? '' : '1');
    }
}
