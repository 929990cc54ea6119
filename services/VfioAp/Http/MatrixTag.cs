using System.Security.Cryptography;
using System.Text;
using Apmatrix.ApModel;

namespace Apmatrix.VfioAp.Http;

/// <summary>
/// A short fingerprint of an mdev's assigned matrix (<c>matrixTag</c> in its view): a client that read it can write a new
/// matrix only if nobody changed the mdev's since (<c>ifMatrixTag</c> on <c>PUT .../ap_config</c>).
/// </summary>
public static class MatrixTag
{
    public static string Of(ApMatrix matrix) => Convert.ToHexStringLower(SHA256.HashData(
        Encoding.ASCII.GetBytes($"{matrix.Apm.ToMsb0Hex()},{matrix.Aqm.ToMsb0Hex()},{matrix.Adm.ToMsb0Hex()}")))[..16];
}

/// <summary>The mdev's matrix is no longer the one the client read: nothing was written.</summary>
public sealed class MatrixChangedException(string message) : Exception(message);
