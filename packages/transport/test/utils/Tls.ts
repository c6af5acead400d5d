/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid until 2126) and its key, made for the transport
 * tests with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500`. Test-only:
 * it protects nothing, and clients trust it only when a test passes it as their `ca`.
 */
export const cert = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUH2IMAWKdwmcKjdPLPAcOXaeotLYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMjAzMjUyNVoYDzIxMjYxMDI5
MDMyNTI1WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARdIYiykj4gz7Z5AUVyKxDmE3LuN1U1P1z/5mQUAYbFop77d5ouHSCK
RH1zC3HWbFGjpnYXFgsZMO3Sej/LO2l8o28wbTAdBgNVHQ4EFgQUUreVUbllvKL0
JYxrrfaxRLhKdlYwHwYDVR0jBBgwFoAUUreVUbllvKL0JYxrrfaxRLhKdlYwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSQAwRgIhAJigHZjPGKNg0jOT3RwxiKed7vPkefjPXR+g6CgPtbvLAiEA
mlpgzfkfzaQCEHyK6r9QEUtT1S0kaPnOKpHjjYZs0p0=
-----END CERTIFICATE-----`

export const key = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgK/Ph2As0M2FH8xm+
xskaQtCBIRwyF3m28qWY2lb8qgOhRANCAARdIYiykj4gz7Z5AUVyKxDmE3LuN1U1
P1z/5mQUAYbFop77d5ouHSCKRH1zC3HWbFGjpnYXFgsZMO3Sej/LO2l8
-----END PRIVATE KEY-----`
