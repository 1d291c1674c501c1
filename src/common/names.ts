/**
 * A model's name is its folder's name in the models folder (`irsde models`, `restore --model <name>`), so it is
 * what a folder name can safely be everywhere: letters, digits, ".", "_" and "-", starting with a letter or digit.
 */
export function isModelName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name);
}
