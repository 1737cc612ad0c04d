"""``python -m qualcode`` runs the command line."""

from qualcode.cli import main

if __name__ == "__main__":  # not when a worker process (qualcode.workers) imports it
    main()
