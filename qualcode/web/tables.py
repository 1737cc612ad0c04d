"""The tables page and its downloads: the same tables as ``qualcode themes``, ``crosstab``
and ``cooccur``, counted the same way (applied and accepted codings)."""

from __future__ import annotations

from qualcode.errors import QualcodeError
from qualcode.store import Project

DOWNLOADS = {
    "themes.csv": "text/csv; charset=utf-8",
    "themes.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "report.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _coded(project: Project):
    from qualcode.analysis.data import Selection, load_coded

    return load_coded(project, Selection())


def tables_json(project: Project, by: str | None) -> dict:
    """Theme rows (with counts per group of ``by``) and the theme co-occurrence matrix."""
    from qualcode.analysis.cooccurrence import cooccurrence
    from qualcode.analysis.crosstab import check_attribute, crosstab
    from qualcode.analysis.themes import theme_frequencies

    data = _coded(project)
    if by:
        check_attribute(data, by)
    themes = theme_frequencies(data)
    groups: list[dict] = []
    split: dict[str, dict[str, int]] = {}
    if by:
        table = crosstab(data, by)
        names = [c[:-len(": cases")] for c in table.columns if c.endswith(": cases")]
        groups = [{"name": g, "n": int(table[f"{g}: of"].iloc[0]) if len(table) else 0}
                  for g in names]
        split = {row["code_id"]: {g: int(row[f"{g}: cases"]) for g in names}
                 for row in table.to_dict("records")}
    colors = {c.id: c.color for c in data.codebook.codes}
    rows = [{"code": r["code_id"], "name": r["code"], "depth": int(r["level"]),
             "cases": int(r["cases"]), "excerpts": int(r["excerpts"]),
             "color": colors.get(r["code_id"]), "by": split.get(r["code_id"], {})}
            for r in themes.to_dict("records")]
    matrix = cooccurrence(data, level="themes") if not data.codings.empty else None
    attributes = sorted({n for values in project.attributes().values() for n in values})
    return {
        "by": by, "groups": groups, "rows": rows, "n_cases": data.n_cases,
        "case_label": data.case_label, "attributes": attributes,
        "selection": "applied and accepted codings",
        "cooccurrence": {"codes": list(matrix.index) if matrix is not None else [],
                         "matrix": matrix.values.tolist() if matrix is not None else []},
    }


def download_bytes(project: Project, name: str, by: str | None) -> tuple[bytes, str]:
    """The file behind a download link, made in memory: (content, media type)."""
    from qualcode.analysis.crosstab import check_attribute, crosstab
    from qualcode.analysis.themes import theme_frequencies
    from qualcode.export import tables

    if name not in DOWNLOADS:
        raise QualcodeError(f"no download {name[:40]!r}")
    data = _coded(project)
    if by:
        check_attribute(data, by)
    if name == "report.docx":
        from qualcode.export.docx_report import ReportOptions, build_report

        return build_report(project, data, ReportOptions(by=by)), DOWNLOADS[name]
    frame = crosstab(data, by) if by else theme_frequencies(data)
    if name == "themes.csv":
        return tables.to_csv(frame), DOWNLOADS[name]
    return tables.to_xlsx({"themes": frame}), DOWNLOADS[name]
