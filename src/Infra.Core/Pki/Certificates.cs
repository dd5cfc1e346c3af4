using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Infra.Core.Pki;

/// <summary>Subject alternative names of a certificate, compared as sets.</summary>
internal sealed record SubjectAltNames(IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> IpAddresses)
{
    /// <summary>Sorted, duplicate-free text form, e.g. <c>DNS:cp-1, DNS:localhost, IP:10.0.0.11</c>.</summary>
    public override string ToString() => string.Join(", ",
        DnsNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(d => "DNS:" + d)
            .Concat(IpAddresses.Select(a => a.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(a => "IP:" + a)));

    public bool SetEquals(SubjectAltNames other) => ToString() == other.ToString();
}

/// <summary>What a certificate is for: its subject, EKUs and names.</summary>
internal sealed record CertificateProfile
{
    public required string CommonName { get; init; }
    public string? Organization { get; init; }
    public required bool ServerAuth { get; init; }
    public required bool ClientAuth { get; init; }
    public SubjectAltNames? AltNames { get; init; }
}

/// <summary>Certificate and key creation and parsing with .NET's own cryptography (PEM in, PEM out).</summary>
internal static class Certificates
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A new ECDSA P-256 key (the curve kubeadm's ECDSA-P256 uses).</summary>
    public static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>SEC1 "EC PRIVATE KEY" PEM, as kubeadm writes ECDSA keys.</summary>
    public static string KeyPem(ECDsa key) => key.ExportECPrivateKeyPem() + "\n";

    /// <summary>A self-signed CA as kubeadm makes one: CA:true, certSign, a SAN holding the CN, a subject key id.</summary>
    public static CertificateAndKey NewCa(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = NewKey();
        var subject = Name(commonName, null);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        // keyEncipherment is meaningless for an EC key; digitalSignature + keyCertSign is what an EC CA needs.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(San(new SubjectAltNames([commonName], [])));
        using var cert = request.Create(subject, X509SignatureGenerator.CreateForECDsa(key), notBefore, notAfter, NewSerial());
        return new CertificateAndKey(cert.ExportCertificatePem() + "\n", KeyPem(key));
    }

    /// <summary>A leaf signed by <paramref name="ca"/>, with a new P-256 key.</summary>
    public static CertificateAndKey Issue(CaSigner ca, CertificateProfile profile, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = NewKey();
        var request = new CertificateRequest(Name(profile.CommonName, profile.Organization), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // kubeadm adds keyEncipherment for RSA key transport; leaves here are EC, where only digitalSignature applies.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var ekus = new OidCollection();
        if (profile.ServerAuth) ekus.Add(new Oid(ServerAuthOid));
        if (profile.ClientAuth) ekus.Add(new Oid(ClientAuthOid));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));
        if (profile.AltNames is { } sans) request.CertificateExtensions.Add(San(sans));
        // A leaf never outlives its CA.
        if (notAfter > ca.Certificate.NotAfter) notAfter = ca.Certificate.NotAfter;
        using var cert = request.Create(ca.Certificate.SubjectName, ca.Generator, notBefore, notAfter, NewSerial());
        return new CertificateAndKey(cert.ExportCertificatePem() + "\n", KeyPem(key));
    }

    public static X509Certificate2 Load(string pem) => X509Certificate2.CreateFromPem(pem);

    /// <summary>The SANs a certificate carries (empty when it has none).</summary>
    public static SubjectAltNames AltNamesOf(X509Certificate2 cert)
    {
        foreach (var ext in cert.Extensions)
        {
            if (ext.Oid?.Value != "2.5.29.17") continue;
            var san = new X509SubjectAlternativeNameExtension(ext.RawData, ext.Critical);
            return new SubjectAltNames([.. san.EnumerateDnsNames()], [.. san.EnumerateIPAddresses()]);
        }
        return new SubjectAltNames([], []);
    }

    /// <summary>Does the certificate carry a valid signature by the key <paramref name="issuerSpki"/> (its SubjectPublicKeyInfo)?</summary>
    public static bool IsSignedBy(X509Certificate2 cert, byte[] issuerSpki)
    {
        try
        {
            var outer = new AsnReader(cert.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = outer.ReadEncodedValue().ToArray();
            var algorithm = outer.ReadSequence().ReadObjectIdentifier();
            var signature = outer.ReadBitString(out _);
            using var ec = TryImport<ECDsa>(issuerSpki, ECDsa.Create);
            if (ec is not null)
            {
                var hash = algorithm switch
                {
                    "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                    "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                    "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                    _ => (HashAlgorithmName?)null,
                };
                return hash is { } h && ec.VerifyData(tbs, signature, h, DSASignatureFormat.Rfc3279DerSequence);
            }
            using var rsa = TryImport<RSA>(issuerSpki, RSA.Create);
            if (rsa is not null)
            {
                var hash = algorithm switch
                {
                    "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
                    "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
                    "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
                    _ => (HashAlgorithmName?)null,
                };
                return hash is { } h && rsa.VerifyData(tbs, signature, h, RSASignaturePadding.Pkcs1);
            }
            return false;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    private static T? TryImport<T>(byte[] spki, Func<T> create) where T : AsymmetricAlgorithm
    {
        var key = create();
        try
        {
            switch (key)
            {
                case ECDsa ec: ec.ImportSubjectPublicKeyInfo(spki, out _); break;
                case RSA rsa: rsa.ImportSubjectPublicKeyInfo(spki, out _); break;
                default: break;
            }
            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Loads a PEM private key: SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY" (EC or RSA),
    /// the forms kubeadm reads. Null when the text holds none of them.
    /// </summary>
    public static AsymmetricAlgorithm? LoadPrivateKey(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields)) return null;
        var label = pem[fields.Label];
        if (label is not ("EC PRIVATE KEY" or "RSA PRIVATE KEY" or "PRIVATE KEY")) return null;
        if (label != "RSA PRIVATE KEY")
        {
            var ec = ECDsa.Create();
            try { ec.ImportFromPem(pem); return ec; }
            catch (CryptographicException) { ec.Dispose(); }
            catch (ArgumentException) { ec.Dispose(); }
        }
        if (label != "EC PRIVATE KEY")
        {
            var rsa = RSA.Create();
            try { rsa.ImportFromPem(pem); return rsa; }
            catch (CryptographicException) { rsa.Dispose(); }
            catch (ArgumentException) { rsa.Dispose(); }
        }
        return null;
    }

    public static byte[] PublicKeyInfo(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => ec.ExportSubjectPublicKeyInfo(),
        RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
        _ => throw new ArgumentException("unsupported key type", nameof(key)),
    };

    private static X500DistinguishedName Name(string commonName, string? organization)
    {
        // Go's pkix.Name encodes O before CN; the builder encodes in the reverse order of the calls.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        if (organization is not null) builder.AddOrganizationName(organization);
        return builder.Build();
    }

    private static X509Extension San(SubjectAltNames names)
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var dns in names.DnsNames.Distinct(StringComparer.Ordinal)) builder.AddDnsName(dns);
        foreach (var ip in names.IpAddresses.DistinctBy(a => a.ToString())) builder.AddIpAddress(ip);
        return builder.Build();
    }

    /// <summary>16 random bytes, positive and without a leading zero byte (RFC 5280: at most 20 octets).</summary>
    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7f) | 0x40);
        return serial;
    }
}

/// <summary>A CA's certificate and a signature generator for its key.</summary>
internal sealed class CaSigner : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    public CaSigner(CertificateAndKey ca, string name)
    {
        Certificate = Certificates.Load(ca.CertificatePem);
        _key = Certificates.LoadPrivateKey(ca.PrivateKeyPem)
            ?? throw new ArgumentException($"the {name} private key is not an EC or RSA key in PEM form");
        Generator = _key switch
        {
            ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"the {name} private key is not an EC or RSA key"),
        };
    }

    public X509Certificate2 Certificate { get; }
    public X509SignatureGenerator Generator { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
