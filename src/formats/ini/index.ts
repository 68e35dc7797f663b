// INI config files (oslo.config, Python configparser): parsing only.
export { IniError, iniList, iniValue, parseIni, type IniDocument, type IniValue } from './parse-ini.js';
