// A Y4M video (the format Chromium's fake camera reads) of one still picture, written here from
// RGBA pixels so no ffmpeg is needed: a text header, then per frame `FRAME\n` and the I420 planes.
import { writeFileSync } from 'node:fs';

/// Writes `frames` frames of the `width` × `height` RGBA picture `rgba` to `file` (both sides
/// even, as 4:2:0 needs).
export function writeY4m(file, rgba, width, height, frames = 5) {
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc((width / 2) * (height / 2));
  const at = (px, py) => (py * width + px) * 4;
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const i = at(px, py);
      y[py * width + px] = Math.round(0.257 * rgba[i] + 0.504 * rgba[i + 1] + 0.098 * rgba[i + 2] + 16);
    }
  }
  for (let py = 0; py < height / 2; py++) {
    for (let px = 0; px < width / 2; px++) {
      const i = at(px * 2, py * 2);
      const [r, g, b] = [rgba[i], rgba[i + 1], rgba[i + 2]];
      u[py * (width / 2) + px] = Math.round(-0.148 * r - 0.291 * g + 0.439 * b + 128);
      v[py * (width / 2) + px] = Math.round(0.439 * r - 0.368 * g - 0.071 * b + 128);
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F5:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
