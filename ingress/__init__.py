"""The ingress: vendors' webhooks in over HTTP, onto RabbitMQ with publisher confirms."""
