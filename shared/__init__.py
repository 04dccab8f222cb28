"""What ingress and workers share: settings, topology, headers, logging, the outcome event."""
