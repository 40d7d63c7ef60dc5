import { createWriteStream } from 'node:fs';
import * as PImage from 'pureimage';
import type { Point } from './wired.js';

export interface Panel {
  readonly title: string;
  readonly points: readonly Point[];
  readonly shade?: { readonly from: number; readonly to: number; readonly label: string };
}

type Ctx = ReturnType<ReturnType<typeof PImage.make>['getContext']>;

const W = 1400;
const PANEL_H = 440;
const M = { left: 90, right: 90, top: 50, bottom: 60 };
const colors = {
  rate: '#1f77b4',
  load: '#ff7f0e',
  target: '#d62728',
  replicas: '#2ca02c',
  grid: '#dddddd',
  text: '#222222',
};

function line(ctx: Ctx, xs: readonly number[], ys: readonly number[], color: string, width: number): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  xs.forEach((x, i) => {
    if (i === 0) ctx.moveTo(x, ys[i] ?? 0);
    else ctx.lineTo(x, ys[i] ?? 0);
  });
  ctx.stroke();
}

function drawPanel(
  ctx: Ctx,
  panel: Panel,
  top: number,
  scales: { maxRate: number; maxReplicas: number; target: number },
): void {
  const { points } = panel;
  const t0 = points[0]?.t ?? 0;
  const t1 = points.at(-1)?.t ?? 1;
  const plotW = W - M.left - M.right;
  const plotH = PANEL_H - M.top - M.bottom;
  const x = (t: number) => M.left + ((t - t0) / (t1 - t0)) * plotW;
  const yRate = (v: number) => top + M.top + plotH - (v / scales.maxRate) * plotH;
  const yRep = (v: number) => top + M.top + plotH - (v / scales.maxReplicas) * plotH;
  if (panel.shade !== undefined) {
    ctx.fillStyle = '#eef3fb';
    ctx.fillRect(x(panel.shade.from), top + M.top, x(panel.shade.to) - x(panel.shade.from), plotH);
    ctx.fillStyle = '#5577aa';
    ctx.fillText(panel.shade.label, x(panel.shade.from) + 4, top + M.top + 16);
  }
  ctx.font = '15px DejaVu';
  ctx.fillStyle = colors.text;
  ctx.fillText(panel.title, M.left, top + 30);
  ctx.font = '13px DejaVu';
  for (let m = Math.ceil(t0 / 300) * 300; m <= t1; m += 300) {
    line(ctx, [x(m), x(m)], [top + M.top, top + M.top + plotH], colors.grid, 1);
    ctx.fillStyle = colors.text;
    ctx.fillText(`${m / 60}`, x(m) - 8, top + M.top + plotH + 18);
  }
  ctx.fillText('minutes after the push starts', M.left + plotW / 2 - 90, top + M.top + plotH + 40);
  for (let v = 0; v <= scales.maxRate; v += 200) {
    line(ctx, [M.left, M.left + plotW], [yRate(v), yRate(v)], colors.grid, 1);
    ctx.fillStyle = colors.text;
    ctx.fillText(`${v}`, M.left - 45, yRate(v) + 4);
  }
  for (let r = 0; r <= scales.maxReplicas; r += 1) {
    ctx.fillStyle = colors.replicas;
    ctx.fillText(`${r}`, M.left + plotW + 10, yRep(r) + 4);
  }
  ctx.fillStyle = colors.text;
  ctx.fillText('requests/s', 8, top + M.top - 8);
  ctx.fillStyle = colors.replicas;
  ctx.fillText('replicas', M.left + plotW + 10, top + M.top - 8);
  const xs = points.map((p) => x(p.t));
  line(ctx, [M.left, M.left + plotW], [yRate(scales.target), yRate(scales.target)], colors.target, 1.5);
  line(
    ctx,
    xs,
    points.map((p) => yRate(p.rate)),
    colors.rate,
    2,
  );
  line(
    ctx,
    xs,
    points.map((p) => yRate(p.perReplica)),
    colors.load,
    2,
  );
  line(
    ctx,
    xs,
    points.map((p) => yRep(p.desired)),
    '#9fd49f',
    2,
  );
  line(
    ctx,
    xs,
    points.map((p) => yRep(p.ready)),
    colors.replicas,
    2.5,
  );
  ctx.strokeStyle = '#888888';
  ctx.lineWidth = 1;
  ctx.strokeRect(M.left, top + M.top, plotW, plotH);
}

function legend(ctx: Ctx, y: number, target: number): void {
  const items: [string, string][] = [
    [colors.rate, 'requests/s (total)'],
    [colors.load, 'requests/s per ready replica'],
    [colors.target, `target ${target} req/s per replica`],
    [colors.replicas, 'ready replicas (right axis)'],
    ['#9fd49f', 'desired replicas (right axis)'],
  ];
  let x = M.left;
  ctx.font = '14px DejaVu';
  for (const [color, label] of items) {
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 10, 22, 6);
    ctx.fillStyle = colors.text;
    ctx.fillText(label, x + 28, y - 2);
    x += 28 + label.length * 8 + 24;
  }
}

/** Draws the panels stacked with one legend, as a PNG, using DejaVu Sans from the Debian fonts. */
export async function drawPng(path: string, panels: readonly Panel[], target: number, fontPath: string): Promise<void> {
  await PImage.registerFont(fontPath, 'DejaVu').load();
  const img = PImage.make(W, PANEL_H * panels.length + 50);
  const ctx = img.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, PANEL_H * panels.length + 50);
  const all = panels.flatMap((p) => p.points);
  const maxRate = Math.ceil(Math.max(...all.map((p) => p.rate), target) / 200) * 200 + 200;
  const maxReplicas = Math.max(...all.map((p) => p.desired)) + 2;
  panels.forEach((panel, i) => {
    drawPanel(ctx, panel, 40 + i * PANEL_H, { maxRate, maxReplicas, target });
  });
  legend(ctx, 30, target);
  await PImage.encodePNGToStream(img, createWriteStream(path));
}
