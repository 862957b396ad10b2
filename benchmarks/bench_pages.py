"""What a user waits for in the web UI: the compare page of 100 experiments x 3 metrics x 1,000
points (all overlaid) and the experiments page of a project of 5,000 experiments, time to
interactive in chromium (navigation start to the first free frame after the load event, with
every chart drawn and every row shown) and bytes sent, each load on a cold cache.

Run alone with
    .venv/bin/python benchmarks/bench_pages.py [--rounds 3] [--quick]
"""
from urllib.parse import urlencode

import scale_seed
import web_pages
from bench_reads import compare_params
from figures import rotated, standalone
from plain_http import ClearMLHTTP
from servers import print_table, start_clearml_local

SIZES = {"experiments": 100, "series": 3, "iterations": 1000, "table": 5000}
QUICK = {"experiments": 10, "series": 3, "iterations": 1000, "table": 500}


def compare_path(template, experiments):
    return "/compare?" + urlencode(compare_params(template, experiments), doseq=True)


def compare_page(browser, server, token, template, experiments, series):
    return web_pages.interactive(browser, server.env["CLEARML_WEB_HOST"], token,
                                 compare_path(template, experiments),
                                 web_pages.compare_check(experiments * series))


def experiments_page(browser, server, token, project, rows):
    return web_pages.interactive(browser, server.env["CLEARML_WEB_HOST"], token,
                                 f"/projects/{project}/experiments", web_pages.table_check(rows))


def measure(figures, sizes, rounds, tmp):
    with start_clearml_local(tmp / "ours") as server:
        api = ClearMLHTTP(server)
        template = scale_seed.compare_set(api, "compare", sizes["experiments"], sizes["series"],
                                          sizes["iterations"])
        project = scale_seed.project_of(api, "many experiments", sizes["table"])
        with web_pages.launch() as browser:
            sides = {
                "compare_page": lambda: compare_page(browser, server, api.token, template,
                                                     sizes["experiments"], sizes["series"]),
                "experiments_page": lambda: experiments_page(browser, server, api.token,
                                                             project, sizes["table"]),
            }
            for load in sides.values():  # Untimed: the server's first render compiles templates.
                load()
            for round_number in range(rounds):
                for name in rotated(list(sides), round_number):
                    timing = sides[name]()
                    size = (dict(experiments=sizes["experiments"], series=sizes["series"],
                                 iterations=sizes["iterations"]) if name == "compare_page"
                            else dict(experiments=sizes["table"]))
                    figures.add(f"{name}_interactive_s", timing["interactive"], **size)
                    figures.add(f"{name}_bytes", timing["bytes"], **size)
                    figures.add(f"{name}_document_bytes", timing["document_bytes"], **size)
                    figures.add(f"{name}_browser_cpu_s", timing["browser_cpu"], **size)


def print_tables(figures):
    rows = []
    for name, label in (("compare_page", "compare page"), ("experiments_page",
                                                           "experiments page")):
        size = figures.sizes[f"{name}_interactive_s"]
        rows.append([f"{label}, " + ", ".join(f"{k} {v:,}" for k, v in size.items()),
                     f"{figures.median(f'{name}_interactive_s'):.2f}",
                     "{:.2f} to {:.2f}".format(*figures.range(f"{name}_interactive_s")),
                     f"{figures.median(f'{name}_browser_cpu_s'):.2f}",
                     f"{figures.median(f'{name}_bytes') / 1e6:.2f}",
                     f"{figures.median(f'{name}_document_bytes') / 1e6:.2f}"])
    print_table("Pages in chromium: time to interactive (median of the rounds; lower is better)",
                ["page", "interactive s", "range", "chromium CPU s", "MB sent",
                 "of which the HTML"], rows,
                ["Each load in a fresh browser context (cold cache), logged in; interactive: "
                 "navigation start to the first free frame after the load event, every chart "
                 "drawn and every row shown (checked). Chromium CPU: its processes' CPU time over "
                 "the load, which other load on the machine hardly changes. Target: within 1 s."])


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
