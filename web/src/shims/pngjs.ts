// Browser stand-in for pngjs: PNG files are read and written only by Node-side features (image folders,
// reports), which the playground never calls.
export const PNG = {
  sync: {
    read(): never {
      throw new Error('PNG decoding (pngjs) is not available in the browser');
    },
    write(): never {
      throw new Error('PNG encoding (pngjs) is not available in the browser');
    },
  },
};
export default { PNG };
