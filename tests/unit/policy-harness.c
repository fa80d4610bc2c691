/* shared helpers for the policy tests (to be written) */
