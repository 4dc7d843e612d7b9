-- Finding the figures one import superseded (to retire imports with no current figure left).
CREATE INDEX figures_by_superseding_import ON figures (superseded_by);
