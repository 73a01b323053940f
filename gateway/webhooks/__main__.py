from gateway.webhooks.worker import main

main()
