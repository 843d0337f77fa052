"""The stylesheet of the HTML views: CSS only, for light and dark notebook themes.

Colours come from the notebook's own theme variables where there are any
(JupyterLab's ``--jp-*``, VS Code's ``--vscode-*``), else from our light
defaults, or our dark ones where the page says it is dark (JupyterLab,
VS Code, Colab and pydata-sphinx-theme mark that on ``html`` or ``body``).
The system-wide dark preference is not followed: classic notebooks and
nbviewer stay white when it is set. The rules that swap the text fallback
for the HTML live here too, so a page that strips ``<style>`` shows the text.
"""

from __future__ import annotations

_LIGHT = {"fg": "#1f2328", "fg2": "#59636e", "bg2": "#eef1f4", "line": "#d1d9e0",
          "accent": "#0550ae", "warn": "#9a6700", "dim": "#818b98"}
_DARK = {"fg": "#e6edf3", "fg2": "#9198a1", "bg2": "#262c36", "line": "#3d444d",
         "accent": "#79c0ff", "warn": "#d29922", "dim": "#6e7681"}
_THEME_VARS = {"fg": "--jp-content-font-color0, var(--vscode-editor-foreground",
               "fg2": "--jp-content-font-color2, var(--vscode-descriptionForeground",
               "bg2": "--jp-layout-color2, var(--vscode-editorWidget-background",
               "line": "--jp-border-color2, var(--vscode-editorWidget-border",
               "accent": "--jp-brand-color1, var(--vscode-textLink-foreground",
               "warn": "--jp-warn-color1, var(--vscode-editorWarning-foreground",
               "dim": "--jp-content-font-color3, var(--vscode-disabledForeground"}

_DARK_PAGES = ('html[theme="dark"]', 'html[data-theme="dark"]', 'body[data-theme="dark"]',
               'body[data-jp-theme-light="false"]', "body.vscode-dark", "body.vscode-high-contrast")


def _vars(colours: dict[str, str]) -> str:
    return "".join(f"--lx-{k}:var({_THEME_VARS[k]},{v}));" for k, v in colours.items())


_RULES = """
.lxkns-repr{color:var(--lx-fg);font-family:var(--jp-content-font-family,system-ui,-apple-system,
"Segoe UI",sans-serif);font-size:13px;line-height:1.45;max-width:100%;margin:2px 0}
.lxkns-repr .lxkns-text{display:none}
.lxkns-repr .lxkns-html{display:block!important}
.lxkns-repr .lxkns-head{display:flex;flex-wrap:wrap;gap:2px 10px;align-items:baseline;
padding:3px 8px;border-bottom:1px solid var(--lx-line);background:var(--lx-bg2)}
.lxkns-repr .lxkns-kind{color:var(--lx-fg2);font-size:11px;text-transform:uppercase;
letter-spacing:.04em}
.lxkns-repr .lxkns-title{font-weight:600;font-family:var(--jp-code-font-family,ui-monospace,monospace)}
.lxkns-repr .lxkns-sub{color:var(--lx-fg2)}
.lxkns-repr .lxkns-badge{color:var(--lx-warn);font-size:11px;border:1px solid var(--lx-warn);
border-radius:3px;padding:0 4px}
.lxkns-repr .lxkns-scroll{overflow-x:auto;max-width:100%}
.lxkns-repr table.lxkns-tab{border-collapse:collapse;margin:2px 0 4px 0;border:none;
font-variant-numeric:tabular-nums;width:auto;font-size:inherit;color:inherit}
.lxkns-repr .lxkns-tab th,.lxkns-repr .lxkns-tab td{text-align:left;vertical-align:top;
padding:1px 10px 1px 6px;border:none;border-bottom:1px solid var(--lx-line);white-space:nowrap;
background:transparent;color:var(--lx-fg)}
.lxkns-repr .lxkns-tab thead th{color:var(--lx-fg2);font-weight:600}
.lxkns-repr .lxkns-tab tbody tr:hover{background:var(--lx-bg2)}
.lxkns-repr .lxkns-facts th{color:var(--lx-fg2);font-weight:normal;width:1%}
.lxkns-repr .lxkns-facts td{white-space:normal;overflow-wrap:anywhere}
.lxkns-repr .lxkns-tab td.lxkns-wrap{white-space:normal;overflow-wrap:anywhere;min-width:16em}
.lxkns-repr .lxkns-mono{font-family:var(--jp-code-font-family,ui-monospace,monospace);font-size:12px}
.lxkns-repr .lxkns-tab tr.lxkns-dim td,.lxkns-repr .lxkns-dim{color:var(--lx-dim)}
.lxkns-repr .lxkns-tab tr.lxkns-warn td:first-child{box-shadow:inset 3px 0 var(--lx-warn)}
.lxkns-repr details{margin:1px 0 1px 2px}
.lxkns-repr details>summary{cursor:pointer;padding:2px 4px;color:var(--lx-accent);font-weight:600;
list-style-position:outside;margin-left:14px}
.lxkns-repr details>summary:hover{background:var(--lx-bg2)}
.lxkns-repr details>div{padding:0 0 2px 16px}
.lxkns-repr .lxkns-n{color:var(--lx-fg2);font-weight:normal;margin-left:6px}
.lxkns-repr .lxkns-more{color:var(--lx-fg2);font-style:italic;margin:2px 0 4px 6px}
.lxkns-repr ul.lxkns-tree{list-style:none;margin:0;padding-left:14px}
.lxkns-repr ul.lxkns-tree li{margin:0;padding:0}
.lxkns-repr ul.lxkns-tree details>summary{font-weight:normal;color:var(--lx-fg);margin-left:0}
.lxkns-repr ul.lxkns-tree .lxkns-leaf{padding:2px 4px 2px 18px}
"""


def stylesheet() -> str:
    """The ``<style>`` element every HTML view carries (xarray does the same: outputs are
    shown on their own, in exported notebooks too)."""
    dark = ",".join(f"{page} .lxkns-repr" for page in _DARK_PAGES)
    css = f".lxkns-repr{{{_vars(_LIGHT)}}}{dark}{{{_vars(_DARK)}}}" + _RULES.replace("\n", "")
    return f"<style>{css}</style>"


STYLE = stylesheet()
