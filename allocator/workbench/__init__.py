"""The planners' workbench: a scenario on a map in the browser, every edit re-solved warm.

``edits`` turns the planner's edits into one what-if override, ``engine`` re-solves
them (warm where it can), ``figures`` and ``mapdata`` shape what the page shows,
``state`` keeps the edits with undo and redo, and ``app`` serves the page.
"""
