// json-server middleware: every request must carry the API key of $INVENTORY_API_KEY in x-api-key,
// as a hosted API would want (json-server itself has no authentication).
module.exports = (req, res, next) => {
  if (req.headers['x-api-key'] !== process.env.INVENTORY_API_KEY) {
    res.status(401).jsonp({ error: 'missing or wrong x-api-key' });
    return;
  }
  next();
};
