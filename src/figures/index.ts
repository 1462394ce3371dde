// radixnet/figures: figures as Vega-Lite specifications, rendered to SVG or PNG: a topology's masks as heatmaps and
// graphs, the plots of the experiments' results, and the report of every figure.
export { heatmapFigure, type HeatmapFigure, type HeatmapOptions } from './heatmap.js';
export { graphFigure, graphEdges, type GraphFigure } from './graph.js';
export { renderSvg, renderPng, writeFigure, type WrittenFigure, type FigureFormat } from './render.js';
export { plots, plotFor, type Plot } from './plots/index.js';
export { buildReport, resultsFiles, type Report, type ReportOptions } from './report.js';
