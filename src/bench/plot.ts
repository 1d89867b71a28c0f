/** A small SVG line chart: cost per finding against N, one line per pipeline, log-scaled N. */
export function costPlot(series: { name: string; color: string; points: { n: number; value: number }[] }[], title: string, yLabel: string): string {
  const width = 640;
  const height = 400;
  const margin = { left: 70, right: 150, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.points);
  const ns = [...new Set(all.map((p) => p.n))].sort((a, b) => a - b);
  const minLog = Math.log10(Math.min(...ns));
  const maxLog = Math.log10(Math.max(...ns));
  const maxY = Math.max(...all.map((p) => p.value)) * 1.15 || 1;
  const x = (n: number) => margin.left + (maxLog === minLog ? 0.5 : (Math.log10(n) - minLog) / (maxLog - minLog)) * (width - margin.left - margin.right);
  const y = (v: number) => height - margin.bottom - (v / maxY) * (height - margin.top - margin.bottom);
  const escape = (text: string) => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<text x="${(margin.left + width - margin.right) / 2}" y="${height - 12}" text-anchor="middle">findings N (log scale)</text>`,
    `<text x="16" y="${height / 2}" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">${escape(yLabel)}</text>`,
    ...ns.map((n) => `<text x="${x(n)}" y="${height - margin.bottom + 16}" text-anchor="middle">${n}</text>`),
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${margin.left - 6}" y="${y(maxY * f) + 4}" text-anchor="end">${(maxY * f).toFixed(1)}</text>`),
  ];
  series.forEach((s, index) => {
    const points = [...s.points].sort((a, b) => a.n - b.n);
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.map((p) => `${x(p.n).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}"/>`);
    for (const p of points) parts.push(`<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(`<rect x="${width - margin.right + 12}" y="${margin.top + index * 20}" width="12" height="12" fill="${s.color}"/>`, `<text x="${width - margin.right + 30}" y="${margin.top + index * 20 + 10}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
