<?php
/**
 * Password hashes sealed end to end between bridges: a hash leaves WordPress only encrypted with the network
 * key (libsodium XChaCha20-Poly1305, the user's sync id as associated data), so n8n's executions, the Sync Log
 * and any receiver only ever hold ciphertext. Each site of a network is given the same key on its settings
 * screen; the key never leaves WordPress (not over REST, not in events), only its fingerprint is shown.
 */

if (!defined('ABSPATH')) {
    exit;
}

define('HARMONYUSER_BRIDGE_OPT_NETWORK_KEY', 'harmonyuser_bridge_network_key');
define('HARMONYUSER_BRIDGE_SEALED_PREFIX', 'hus1:');

/** The network key (32 raw bytes), or null when none is set or the stored value is not one. */
function harmonyuser_bridge_network_key() {
    $stored = get_option(HARMONYUSER_BRIDGE_OPT_NETWORK_KEY, '');
    $raw = is_string($stored) && $stored !== '' ? base64_decode($stored, true) : false;
    return ($raw !== false && strlen($raw) === SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_KEYBYTES) ? $raw : null;
}

/** A network key as the screen shows and accepts it: base64 of 32 random bytes. */
function harmonyuser_bridge_generate_network_key() {
    return base64_encode(random_bytes(SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_KEYBYTES));
}

/** A pasted key, validated: the base64 text to store, or a WP_Error. */
function harmonyuser_bridge_parse_network_key($text) {
    $text = trim((string) $text);
    $raw = base64_decode($text, true);
    if ($raw === false || strlen($raw) !== SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_KEYBYTES) {
        return new WP_Error('harmonyuser_invalid_network_key', 'A network key is the base64 text of 32 bytes, as another site of the network shows it.');
    }
    return base64_encode($raw);
}

/** 16 hex characters that tell keys apart (the same key on every site shows the same fingerprint). */
function harmonyuser_bridge_network_key_fingerprint() {
    $key = harmonyuser_bridge_network_key();
    return $key === null ? '' : substr(hash('sha256', 'harmonyuser-network-key|' . $key), 0, 16);
}

function harmonyuser_bridge_is_sealed($value) {
    return is_string($value) && strncmp($value, HARMONYUSER_BRIDGE_SEALED_PREFIX, strlen(HARMONYUSER_BRIDGE_SEALED_PREFIX)) === 0;
}

function harmonyuser_bridge_seal_aad($sync_id) {
    return 'harmonyuser-password-hash|' . strtolower(trim((string) $sync_id));
}

/** The hash sealed for the user with this sync id, or null when the site has no network key. */
function harmonyuser_bridge_seal_hash($hash, $sync_id) {
    $key = harmonyuser_bridge_network_key();
    if ($key === null) {
        return null;
    }
    $nonce = random_bytes(SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES);
    $box = sodium_crypto_aead_xchacha20poly1305_ietf_encrypt((string) $hash, harmonyuser_bridge_seal_aad($sync_id), $nonce, $key);
    sodium_memzero($key);
    return HARMONYUSER_BRIDGE_SEALED_PREFIX . rtrim(strtr(base64_encode($nonce . $box), '+/', '-_'), '=');
}

/**
 * The hash inside a sealed value, for the user with this sync id; a WP_Error (400) when this site has no key, the
 * value was sealed with another key, or for another user (the sync id is bound to it).
 */
function harmonyuser_bridge_open_hash($sealed, $sync_id) {
    $key = harmonyuser_bridge_network_key();
    if ($key === null) {
        return new WP_Error('harmonyuser_no_network_key', 'This site has no network key: it cannot open sealed password hashes (Settings → HarmonyUser Sync).', array('status' => 400));
    }
    $raw = base64_decode(strtr(substr((string) $sealed, strlen(HARMONYUSER_BRIDGE_SEALED_PREFIX)), '-_', '+/'), true);
    $nonce_bytes = SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES;
    $hash = false;
    if ($raw !== false && strlen($raw) > $nonce_bytes + SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_ABYTES) {
        $hash = sodium_crypto_aead_xchacha20poly1305_ietf_decrypt(substr($raw, $nonce_bytes), harmonyuser_bridge_seal_aad($sync_id), substr($raw, 0, $nonce_bytes), $key);
    }
    sodium_memzero($key);
    if (!is_string($hash) || $hash === '') {
        return new WP_Error('harmonyuser_sealed_hash_invalid', 'The password hash was sealed with another network key, or for another user.', array('status' => 400));
    }
    return $hash;
}

/** A hash's format as /info names the formats a site verifies: phpass, wp-bcrypt, bcrypt, argon2 ('' otherwise). */
function harmonyuser_bridge_hash_format($hash) {
    $hash = (string) $hash;
    if (preg_match('/^\$[PH]\$/', $hash)) {
        return 'phpass';
    }
    if (preg_match('/^\$wp\$2[aby]\$/', $hash)) {
        return 'wp-bcrypt';
    }
    if (preg_match('/^\$2[aby]\$/', $hash)) {
        return 'bcrypt';
    }
    return preg_match('/^\$argon2(id|i)\$/', $hash) ? 'argon2' : '';
}
