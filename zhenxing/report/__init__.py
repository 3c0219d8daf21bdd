"""The reports: figures, tables and sentences for the notebooks, and the batch runner.

Every figure builder is pure: it takes library results (a
:class:`~zhenxing.gap.CountyGap`, the tables of a
:class:`~zhenxing.scoring.ScoreResult`, the simulation results) and the
framework, and returns a :class:`plotly.graph_objects.Figure`, a table or a
string; it computes no score of its own. A notebook imports the modules it
needs, e.g. ``from zhenxing.report import county, notebook``, and shows what
they build with ``notebook.show(county.dimension_bars(gap, fw, lang))``.

What the notebooks use
----------------------
* :mod:`.notebook` — showing things in a notebook: :func:`~.notebook.start_report`,
  :func:`~.notebook.show` (plotly mimetype and HTML), Markdown and prose, the
  headline, schedule and simulation summaries with their JSON records.
* :mod:`.style` — colours, palettes, the CJK font, :func:`~.style.style_figure`.
* :mod:`.text` — the words in Chinese or English (:func:`~.text.text`), names
  and labels of units, cities, categories, grades, dimensions and indicators,
  number formatting.
* :mod:`.headline` — the county report's first screen: the headline record,
  card and text, the standing sentence and the findings.
* :mod:`.county` — the county report's figures and tables
  (``notebooks/county_report.ipynb``): dimension bars, loss waterfall,
  indicator table, obstacles, cheapest path, comparison with last year.
* :mod:`.schedule` — the county report's schedule progress (序时进度).
* :mod:`.city_overview` — the city overview (``notebooks/city_overview.ipynb``).
* :mod:`.simulation_figures` — the ranking simulation (``notebooks/ranking_simulation.ipynb``):
  what it reads, the selection of a city's units, the Monte Carlo rank figures;
  :mod:`.scenario_figures` (what-if scenarios), :mod:`.sensitivity_figures`
  (Sobol' indices, exact rank bounds) and :mod:`.simulation_record` (the JSON
  record and the key findings).

The batch runner (``zhenxing reports``)
---------------------------------------
* :mod:`.batch` — :func:`~.batch.run_reports`: the run, the worker pool, the manifest.
* :mod:`.planning` — the jobs of a run, their parameters and fingerprints.
* :mod:`.kernel` — running one notebook in a kernel of this interpreter.
* :mod:`.export` — offline HTML export (nbconvert) and the shared plotly.js and CSS.
* :mod:`.index` — the run's index page.

Nothing is imported here: import the module you need.
"""
