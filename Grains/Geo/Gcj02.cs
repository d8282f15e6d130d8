namespace TongBan.Grains.Geo;

/// <summary>
/// GCJ-02 ⇄ WGS84 conversion. The forward transform is the published obfuscation formula
/// (Krasovsky 1940 ellipsoid, the polynomial offset in metres); there is no closed-form inverse,
/// so <see cref="ToWgs84"/> iterates the forward transform until it reproduces the input to
/// well under a centimetre.
/// </summary>
public static class Gcj02
{
    private const double SemiMajorAxis = 6378245.0;
    private const double EccentricitySquared = 0.00669342162296594323;

    /// <summary>The obfuscation applies only inside mainland China; outside it, GCJ-02 equals WGS84.</summary>
    public static bool IsInChina(GeoPoint p) => p.Lon is >= 72.004 and <= 137.8347 && p.Lat is >= 0.8293 and <= 55.8271;

    public static GeoPoint FromWgs84(GeoPoint wgs)
    {
        if (!IsInChina(wgs))
        {
            return wgs;
        }

        var (dLat, dLon) = Offset(wgs);
        return new GeoPoint(wgs.Lat + dLat, wgs.Lon + dLon);
    }

    public static GeoPoint ToWgs84(GeoPoint gcj)
    {
        if (!IsInChina(gcj))
        {
            return gcj;
        }

        // Fixed-point iteration: guess = gcj - offset(guess). Converges in a handful of steps
        // because the offset varies slowly (a few hundred metres over the whole country).
        var guess = gcj;
        for (var i = 0; i < 30; i++)
        {
            var forward = FromWgs84(guess);
            var errLat = forward.Lat - gcj.Lat;
            var errLon = forward.Lon - gcj.Lon;
            guess = new GeoPoint(guess.Lat - errLat, guess.Lon - errLon);
            if (Math.Abs(errLat) < 1e-10 && Math.Abs(errLon) < 1e-10)
            {
                break;
            }
        }

        return guess;
    }

    private static (double DLat, double DLon) Offset(GeoPoint p)
    {
        var x = p.Lon - 105.0;
        var y = p.Lat - 35.0;
        var dLat = TransformLat(x, y);
        var dLon = TransformLon(x, y);
        var radLat = p.Lat / 180.0 * Math.PI;
        var magic = Math.Sin(radLat);
        magic = 1 - (EccentricitySquared * magic * magic);
        var sqrtMagic = Math.Sqrt(magic);
        dLat = dLat * 180.0 / (SemiMajorAxis * (1 - EccentricitySquared) / (magic * sqrtMagic) * Math.PI);
        dLon = dLon * 180.0 / (SemiMajorAxis / sqrtMagic * Math.Cos(radLat) * Math.PI);
        return (dLat, dLon);
    }

    private static double TransformLat(double x, double y)
    {
        var r = -100.0 + (2.0 * x) + (3.0 * y) + (0.2 * y * y) + (0.1 * x * y) + (0.2 * Math.Sqrt(Math.Abs(x)));
        r += ((20.0 * Math.Sin(6.0 * x * Math.PI)) + (20.0 * Math.Sin(2.0 * x * Math.PI))) * 2.0 / 3.0;
        r += ((20.0 * Math.Sin(y * Math.PI)) + (40.0 * Math.Sin(y / 3.0 * Math.PI))) * 2.0 / 3.0;
        r += ((160.0 * Math.Sin(y / 12.0 * Math.PI)) + (320 * Math.Sin(y * Math.PI / 30.0))) * 2.0 / 3.0;
        return r;
    }

    private static double TransformLon(double x, double y)
    {
        var r = 300.0 + x + (2.0 * y) + (0.1 * x * x) + (0.1 * x * y) + (0.1 * Math.Sqrt(Math.Abs(x)));
        r += ((20.0 * Math.Sin(6.0 * x * Math.PI)) + (20.0 * Math.Sin(2.0 * x * Math.PI))) * 2.0 / 3.0;
        r += ((20.0 * Math.Sin(x * Math.PI)) + (40.0 * Math.Sin(x / 3.0 * Math.PI))) * 2.0 / 3.0;
        r += ((150.0 * Math.Sin(x / 12.0 * Math.PI)) + (300.0 * Math.Sin(x / 30.0 * Math.PI))) * 2.0 / 3.0;
        return r;
    }
}
