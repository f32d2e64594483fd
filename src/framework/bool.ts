/** Go's strconv.ParseBool, defined once in wire/ (the CLI reads flags and variables with it too). */
export { parseBoolText } from '../wire/index.js';
