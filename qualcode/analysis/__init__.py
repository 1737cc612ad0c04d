"""Analysis: every table is a pandas DataFrame with stable column names.

``load_coded`` reads the codings that count (by origin, status, coder) with their cases;
``theme_frequencies``, ``crosstab``, ``cooccurrence``/``top_pairs``, ``framework_matrix`` and
``findings_markdown`` turn that into the study's tables and sentences.
"""

from qualcode.analysis.cooccurrence import cooccurrence, top_pairs
from qualcode.analysis.crosstab import crosstab
from qualcode.analysis.data import CodedData, Selection, load_coded
from qualcode.analysis.findings import findings_markdown
from qualcode.analysis.framework import framework_matrix
from qualcode.analysis.themes import theme_frequencies

__all__ = ["CodedData", "Selection", "cooccurrence", "crosstab", "findings_markdown",
           "framework_matrix", "load_coded", "theme_frequencies", "top_pairs"]
