/**
 * Writing a report: the HTML file and, beside it, the figure as SVG (report.html →
 * report.svg). Each is written to a temporary file and renamed, so an interrupted run never
 * leaves half a report; the directory is created if needed.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Comparison } from './comparison.js';
import { renderHtml, type ChartAssets } from './html.js';
import { renderSvg } from './svg.js';
import { atPath } from '../io/files.js';

export function figurePath(reportPath: string): string {
  return reportPath.replace(/\.html?$/i, '') + '.svg';
}

export function writeReport(path: string, comparison: Comparison, assets: ChartAssets): { html: string; svg: string } {
  const svg = figurePath(path);
  mkdirSync(dirname(path), { recursive: true });
  writeAtomically(path, renderHtml(comparison, assets));
  writeAtomically(svg, renderSvg(comparison));
  return { html: path, svg };
}

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    atPath(path, () => writeFileSync(temporary, text));
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true }); // a full disk leaves no half-written temporary behind
    throw error;
  }
}
