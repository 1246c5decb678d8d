import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';

/**
 * One series per day as bars (uPlot, loaded only when a chart is on screen). The canvas
 * is an image to assistive technology, named with the total; the numbers themselves are
 * in the table under the charts.
 */
export function DayChart({
  title,
  days,
  values,
}: {
  title: string;
  days: string[];
  values: number[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const total = values.reduce((a, b) => a + b, 0);
  useEffect(() => {
    let chart: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let cancelled = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([mod]) => {
      const el = box.current;
      if (cancelled || !el) return;
      const UPlot = mod.default;
      const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
      const color = getComputedStyle(el).getPropertyValue('--chart').trim() || '#1f4fd1';
      const axis = getComputedStyle(el).color;
      chart = new UPlot(
        {
          width: Math.max(el.clientWidth, 200),
          height: 150,
          legend: { show: false },
          cursor: { show: true, drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [
            { stroke: axis, grid: { show: false }, ticks: { show: false } },
            {
              stroke: axis,
              size: 40,
              grid: { stroke: 'rgba(128,128,128,0.2)' },
              // Counts: whole-number ticks only.
              incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5, 1e6, 1e7],
            },
          ],
          series: [
            {},
            {
              label: title,
              stroke: color,
              fill: color,
              paths: UPlot.paths.bars?.({ size: [0.7, 40] }),
              points: { show: false },
            },
          ],
        },
        [xs, values],
        el,
      );
      observer = new ResizeObserver(() =>
        chart?.setSize({ width: Math.max(el.clientWidth, 200), height: 150 }),
      );
      observer.observe(el);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [days, values, title]);
  return (
    <figure className="chart">
      <figcaption>
        <span>{title}</span> <strong>{total.toLocaleString()}</strong>
      </figcaption>
      <div
        ref={box}
        className="chart-box"
        role="img"
        aria-label={`${title}: ${total} over ${days.length} days`}
      />
    </figure>
  );
}
