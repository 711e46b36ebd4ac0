// A short, safe rendering of a JSON value for error messages: at most 80 characters, and never a throw,
// however deeply the value nests (JSON.stringify overflows the stack at a few thousand levels, which a
// 10 KB request body reaches).

const MAX_PREVIEW_LENGTH = 80;

export function previewJson(value: unknown, whenUndefined: string): string {
  let text: string;
  try {
    text = value === undefined ? whenUndefined : JSON.stringify(value);
  } catch {
    text = Array.isArray(value) ? 'an array nested too deeply to show' : 'an object nested too deeply to show';
  }
  return text.length > MAX_PREVIEW_LENGTH ? `${text.slice(0, MAX_PREVIEW_LENGTH - 3)}...` : text;
}
