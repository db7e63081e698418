#!/bin/sh
# The compose stack's one-shot job: an admin token, the four demo schemas published to shop@prod as
# each team would, the gateway's read token, and a development key for signing test tokens. Every
# file goes to the working directory (the shared state volume); tokens are made once and reused.
set -eu
cd /var/lib/federation
umask 077

token() {  # token NAME ROLE [GRAPH]: made once, straight in the database, kept in NAME-token
    if [ ! -s "$1-token" ]; then
        federation registry token create --db "$REGISTRY_DB" --role "$2" ${3:+--graph "$3"} --name "compose-$1" \
            | tail -n 1 > "$1-token"
    fi
}

token admin admin
token gateway read shop
FEDERATION_REGISTRY_TOKEN=$(cat admin-token)
export FEDERATION_REGISTRY_TOKEN

port=${SUBGRAPHS_FIRST_PORT:-4001}  # accounts; the others follow, as in services_demo
for name in accounts products reviews inventory; do
    federation subgraph publish shop@prod --name "$name" \
        --routing-url "http://${SUBGRAPHS_HOST}:${port}/graphql" --schema "/schemas/${name}.graphql"
    port=$((port + 1))
done

# The JWKS the gateway verifies tokens with (federation token signs them with the key beside it).
federation token --keys-dir keys --jwks > /dev/null
echo "published; registry admin token: docker compose exec gateway cat admin-token"
