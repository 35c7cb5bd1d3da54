// Pictures for the government-ID tests, made here rather than kept as files: plain JPEGs for the
// photos a stand-in cannot read (a selfie, a passport page), and the back of a US driving licence
// whose PDF417 barcode holds real AAMVA text, which the Veriff stand-in decodes.
import bwipjs from 'bwip-js';
import jpeg from 'jpeg-js';

/// A `width` × `height` JPEG of one grey level, with a few bars so it is not empty.
export function plainJpeg(width = 640, height = 400, shade = 180) {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const v = (x >> 5) % 2 ? shade : shade - 60;
      data[i] = data[i + 1] = data[i + 2] = v;
      data[i + 3] = 255;
    }
  }
  return jpeg.encode({ data, width, height }, 85).data;
}

/// The AAMVA text of a US licence (dates month first, as the US writes them).
export function aamvaText({ surname = 'LOVELACE', given = 'ADA', middle = 'KING', number = 'D1234562', birth = '12101985', expiry = '12102030' } = {}) {
  const fields = [`DAQ${number}`, `DCS${surname}`, `DAC${given}`, `DAD${middle}`, 'DBD08242015', `DBB${birth}`, `DBA${expiry}`, 'DBC2', 'DCGUSA', 'DAJIL'];
  return `@\n\u001e\rANSI 636014080002DL00410278ZC03190008DL${fields.join('\n')}\n\r`;
}

/// The back of a licence: `text` as a PDF417 barcode, drawn black on white with a quiet zone,
/// as a JPEG a phone might send.
export function licenceBack(text = aamvaText(), options = {}) {
  const { data, width, height } = licenceBackPixels(text, options);
  return jpeg.encode({ data, width, height }, 92).data;
}

/// The same picture as RGBA pixels, centred on a `frame` (`[width, height]`, both even) when one
/// is given: what a camera pointed at the licence would see.
export function licenceBackPixels(text = aamvaText(), { scale = 3, frame = null } = {}) {
  const [symbol] = bwipjs.raw({ bcid: 'pdf417', text, columns: 8, eclevel: 4 });
  const { pixs, pixx, pixy } = symbol;
  const rowHeight = 3;
  const quiet = 20;
  const width = pixx * scale + 2 * quiet;
  const height = pixy * rowHeight * scale + 2 * quiet;
  const data = Buffer.alloc(width * height * 4, 255);
  for (let y = 0; y < pixy * rowHeight * scale; y++) {
    for (let x = 0; x < pixx * scale; x++) {
      if (!pixs[Math.floor(y / (rowHeight * scale)) * pixx + Math.floor(x / scale)]) continue;
      const i = ((y + quiet) * width + x + quiet) * 4;
      data[i] = data[i + 1] = data[i + 2] = 0;
    }
  }
  if (!frame) return { data, width, height };
  const [fw, fh] = frame;
  const framed = Buffer.alloc(fw * fh * 4, 235);
  const [left, top] = [Math.floor((fw - width) / 2), Math.floor((fh - height) / 2)];
  for (let y = 0; y < height; y++) {
    data.copy(framed, ((y + top) * fw + left) * 4, y * width * 4, (y + 1) * width * 4);
  }
  return { data: framed, width: fw, height: fh };
}
