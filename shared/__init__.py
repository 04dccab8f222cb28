"""What ingress and workers share: settings, topology, message headers, logging, the outcome event."""
