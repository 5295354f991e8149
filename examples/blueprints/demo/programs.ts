/**
 * Container programs standing in for the blueprints' images on the emulated cluster: a trainer
 * that reads its dataset, logs progress per epoch, and writes a model and metrics; and long-running
 * web apps (any other image runs as a long-running container by default).
 */
import type { ContainerContext, ContainerProgramRegistry } from "@capstan/testing";

function arg(ctx: ContainerContext, name: string, fallback: string): string {
  const i = ctx.args.indexOf(name);
  return i >= 0 ? (ctx.args[i + 1] ?? fallback) : fallback;
}

/**
 * `train.py --data F --out DIR --metrics F --epochs N`: one progress line per epoch; a dataset
 * with a `NaN` value makes the loss diverge and the trainer exit 1, as real training does.
 */
export async function trainer(ctx: ContainerContext): Promise<number> {
  const data = ctx.fs.readText(arg(ctx, "--data", "/capstan/work/dataset.csv"));
  const rows = data.split("\n").filter((l) => l.trim() && !l.startsWith("#")).length - 1;
  const epochs = Number(arg(ctx, "--epochs", "3"));
  const poisoned = /\bNaN\b/.test(data);
  ctx.stdout.write(`loaded ${rows} rows from the dataset; training on cuda:0\n`);
  let loss = 1.2;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await ctx.sleep(0.05);
    loss = poisoned && epoch >= 2 ? Number.NaN : Math.round(loss * 0.55 * 1000) / 1000;
    ctx.stdout.write(`epoch ${epoch}/${epochs} loss=${loss}\n`);
    if (Number.isNaN(loss)) {
      ctx.stderr.write("RuntimeError: loss is NaN; stopping (check the dataset for missing values)\n");
      return 1;
    }
  }
  const accuracy = Math.round((1 - loss / 4) * 1000) / 1000;
  const out = arg(ctx, "--out", "/capstan/work/model");
  ctx.fs.mkdir(out, { recursive: true });
  ctx.fs.writeFile(`${out}/model.bin`, `weights:${rows}:${epochs}:${loss}`);
  ctx.fs.writeFile(arg(ctx, "--metrics", "/capstan/work/metrics.json"), JSON.stringify({ accuracy, loss, epochs }));
  ctx.stdout.write(`saved ${out}/model.bin (accuracy ${accuracy})\n`);
  return 0;
}

/** Registers the demo images' programs on a cluster's registry. */
export function registerPrograms(programs: ContainerProgramRegistry): void {
  programs.register("ghcr.io/acme/trainer:*", trainer);
}
