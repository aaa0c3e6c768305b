"""The Jinja template of ``report.html``: a first page, contents, sections, print stylesheet.

On screen the page is one column; printed (``@media print``, A4) the first page
holds the headline figures, what needs a decision and the contents; sections
flow on (a county's section starts a new page); wide tables print on landscape
pages (a named ``@page``); table headers repeat across pages; rows and figures
(with their heading and caption) are not split.
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<title>{{ w.title }} · {{ meta.scenario }}</title>
<style>
{{ font_css }}
body { font-family: "Report CJK", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Micro Hei", sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 2px solid #3b6bb5; }
h3 { margin: 1em 0 0.3em; }
table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0; display: block;
        overflow-x: auto; max-width: 100%; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #eef2f8; } td:first-child, th:first-child { text-align: left; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { border: 1px solid #ccd; border-radius: 6px; padding: 6px 12px; min-width: 130px; }
.card b { display: block; font-size: 1.4em; color: #3b6bb5; }
.note { color: #666; font-size: 12px; } img, svg.plot { max-width: 100%; height: auto; }
.red { color: #c00; } .passed { color: #080; }
ul.decisions { padding-left: 1.2em; } ul.decisions li { margin: 0.3em 0; }
li.decision.red { color: #b00000; font-weight: bold; } li.decision.orange { color: #a05a00; }
li.decision.none { color: #080; }
nav.toc ol { columns: 2; column-gap: 2em; padding-left: 1.5em; margin: 0.3em 0; }
nav.toc a { color: #1f3d73; text-decoration: none; }
figure { margin: 0.5em 0; } figcaption { color: #444; font-size: 12px; margin-top: 0.2em; }
@page { size: A4 portrait; margin: 12mm 11mm; }
@page wide { size: A4 landscape; margin: 10mm 11mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11px; }
  h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 0; }
  .first-page { break-after: page; }
  section.wide { page: wide; }
  section.county { break-before: page; }
  h2, h3, figcaption { break-after: avoid; }
  table { display: table; overflow: visible; font-size: 8.5px; width: 100%; }
  thead { display: table-header-group; }
  tr, .cards { break-inside: avoid; }
  /* an inline-block is never split across pages: heading, plot and caption stay together */
  figure { display: inline-block; width: 100%; }
  figure img, figure svg.plot { max-height: 165mm; max-width: 100%; width: auto; }
  nav.toc a::after { content: ""; }
}
</style>
</head>
<body>
<div class="first-page">
<h1>{{ w.title }}</h1>
<p>{{ w.scenario }}: <b>{{ meta.scenario }}</b> · {{ w.policy }}: {{ meta.policy }} ·
{{ w.mechanism }}: {{ meta.mechanism }} · {{ w.seed }}: {{ meta.seed }}</p>
<h2 id="headline">{{ w.headline }}</h2>
<div class="cards">
{% for label, value in cards %}<div class="card">{{ label }}<b>{{ value }}</b></div>
{% endfor %}</div>
<h2 id="decisions">{{ p.decisions }}</h2>
<ul class="decisions">
{% for item in decisions %}<li class="decision {{ item.severity }}" data-key="{{ item.key }}">
{{ item.sentence | e }}</li>
{% else %}<li class="decision none" data-key="none">{{ p.nothing_to_decide }}</li>
{% endfor %}</ul>
<p>{{ w.verification }}:
{% if meta.verified %}<span class="passed">{{ w.passed }}</span>
{% else %}<span class="red">{{ w.failed }}</span>{% endif %}</p>
<nav class="toc" aria-label="{{ p.contents }}">
<h2 id="contents">{{ p.contents }}</h2>
<ol>
{% for section in sections %}<li><a href="#{{ section.id }}">{{ section.title }}</a></li>
{% endfor %}</ol>
</nav>
<p class="note">{{ w.footer }}</p>
</div>
{% for section in sections %}
<section id="{{ section.id }}" class="{{ section.classes }}">
{% if section.image %}<figure>
<h2>{{ section.title }}</h2>
{{ section.image }}
<figcaption>{{ section.caption }}</figcaption>
</figure>{% else %}<h2>{{ section.title }}</h2>{% endif %}
{% if section.note %}<p class="note">{{ section.note }}</p>{% endif %}
{% if section.cards %}<div class="cards">
{% for label, value in section.cards %}<div class="card">{{ label }}<b>{{ value }}</b></div>
{% endfor %}</div>{% endif %}
{% if section.table %}{{ section.table }}{% endif %}
{% for part in section.parts %}<h3>{{ part.title }}</h3>
{% if part.image %}<figure>
{{ part.image }}
<figcaption>{{ part.caption }}</figcaption>
</figure>{% endif %}
{% if part.table %}{{ part.table }}{% endif %}
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""
