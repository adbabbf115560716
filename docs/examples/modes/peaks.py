"""Print each benchmark's peaks from a pytest-benchmark JSON file: ``python peaks.py run.json``."""

import json
import sys

for bench in json.load(open(sys.argv[1]))["benchmarks"]:
    print(bench["name"], *bench["extra_info"]["benchmem"]["peak_bytes"])
