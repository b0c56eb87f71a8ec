"""The chaos suite: the whole pipeline (simulator, ``ingest live``, ``process``) run as subprocesses against a real
broker and registry, once uninterrupted (the golden run) and once per fault, each run's derived topics compared with
the golden run's record by record.  ``python -m ddeflow.chaos --help``; ``make chaos``."""
