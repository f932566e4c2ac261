/// A made-up district map for tests (not real boundaries): district 5 a square with a hole that is
/// district 7, district 12 a MultiPolygon of two squares.
public let routerTestDistricts = """
{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"district": 5}, "geometry": {"type": "Polygon", "coordinates": [
    [[51.0, 35.0], [52.0, 35.0], [52.0, 36.0], [51.0, 36.0], [51.0, 35.0]],
    [[51.4, 35.4], [51.6, 35.4], [51.6, 35.6], [51.4, 35.6], [51.4, 35.4]]]}},
  {"type": "Feature", "properties": {"district": "7"}, "geometry": {"type": "Polygon", "coordinates": [
    [[51.4, 35.4], [51.6, 35.4], [51.6, 35.6], [51.4, 35.6], [51.4, 35.4]]]}},
  {"type": "Feature", "properties": {"district": 12}, "geometry": {"type": "MultiPolygon", "coordinates": [
    [[[60.0, 30.0], [61.0, 30.0], [61.0, 31.0], [60.0, 31.0], [60.0, 30.0]]],
    [[[62.0, 30.0], [63.0, 30.0], [62.5, 31.0], [62.0, 30.0]]]]}}
]}
"""
