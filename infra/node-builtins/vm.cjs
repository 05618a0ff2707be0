module.exports = process.getBuiltinModule('node:vm');
