<?php
/** Lets /batch/v1 carry user writes (core does not allow them): up to 25 requests per batch (core's limit). */

if (!defined('ABSPATH')) {
    exit;
}

/** Marks the users routes allow_batch v1. */
function harmonyuser_bridge_batch_user_routes($endpoints) {
    foreach (array('/wp/v2/users', '/wp/v2/users/(?P<id>[\d]+)') as $route) {
        if (empty($endpoints[$route]) || !is_array($endpoints[$route])) {
            continue;
        }
        foreach ($endpoints[$route] as $key => $handler) {
            if (is_int($key) && is_array($handler)) {
                $endpoints[$route][$key]['allow_batch'] = array('v1' => true);
            }
        }
    }
    return $endpoints;
}
