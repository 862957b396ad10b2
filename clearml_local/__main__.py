"""`python -m clearml_local ...`: the same as the `clearml-local` command."""
from .commands import main

if __name__ == "__main__":
    main()
