"""The words of single sign-on (web/oidc.py), in French (the default) and English.

Kept apart like the dashboard's (web/i18n.py merges both): one key per `SsoRefusal`, a title and
a body each, saying what happened and what to do, never a provider's own error text.
"""

from __future__ import annotations

FR: dict[str, str] = {
    "sso.sign_in": "Se connecter avec l’authentification unique",
    "sso.back_to_login": "Revenir à la page de connexion",
    "sso.continue.title": "Connexion réussie",
    "sso.continue": "Continuer vers le tableau de bord",
    "sso.refused.as": "Le fournisseur d’identité vous a reconnu(e) sous l’adresse {email}.",
    "sso.refused.state_mismatch.title": "Cette connexion n’a pas pu aboutir",
    "sso.refused.state_mismatch.body": (
        "Aucune connexion en cours dans ce navigateur ne correspond à cette réponse du "
        "fournisseur d’identité : elle a peut-être déjà servi, ou la connexion a été commencée "
        "dans un autre navigateur. Personne n’a été connecté : recommencez depuis la page de "
        "connexion."
    ),
    "sso.refused.expired.title": "Cette connexion a expiré",
    "sso.refused.expired.body": (
        "Plus de dix minutes se sont écoulées depuis le début de la connexion. Personne n’a été "
        "connecté : recommencez depuis la page de connexion."
    ),
    "sso.refused.access_denied.title": "Connexion refusée par le fournisseur d’identité",
    "sso.refused.access_denied.body": (
        "La connexion a été annulée ou n’a pas été autorisée auprès du fournisseur d’identité. "
        "Vous pouvez recommencer depuis la page de connexion."
    ),
    "sso.refused.provider_error.title": "Le fournisseur d’identité a répondu par une erreur",
    "sso.refused.provider_error.body": (
        "Sa réponse n’a pas pu être utilisée et personne n’a été connecté. Réessayez ; si le "
        "problème persiste, prévenez l’administrateur de Tandem."
    ),
    "sso.refused.provider_unreachable.title": "Le fournisseur d’identité ne répond pas",
    "sso.refused.provider_unreachable.body": (
        "Tandem n’a pas pu le joindre. Réessayez dans quelques minutes ; si le problème "
        "persiste, prévenez l’administrateur de Tandem."
    ),
    "sso.refused.invalid_token.title": "Votre identité n’a pas pu être vérifiée",
    "sso.refused.invalid_token.body": (
        "La réponse du fournisseur d’identité n’a pas passé les vérifications de Tandem "
        "(signature, émetteur, destinataire ou date de validité). Personne n’a été connecté : "
        "prévenez l’administrateur de Tandem."
    ),
    "sso.refused.unverified_email.title": "Adresse e-mail non vérifiée",
    "sso.refused.unverified_email.body": (
        "Le fournisseur d’identité n’atteste pas que votre adresse e-mail vous appartient : "
        "Tandem ne peut donc pas vous reconnaître par elle. Faites-la vérifier auprès de lui, "
        "puis recommencez."
    ),
    "sso.refused.unknown_account.title": "Aucun compte de coordination pour cette adresse",
    "sso.refused.unknown_account.body": (
        "Votre identité a bien été vérifiée, mais aucun compte de coordination Tandem ne porte "
        "cette adresse e-mail. Demandez à un administrateur de Tandem de vous en créer un."
    ),
}

EN: dict[str, str] = {
    "sso.sign_in": "Sign in with single sign-on",
    "sso.back_to_login": "Back to the sign-in page",
    "sso.continue.title": "Signed in",
    "sso.continue": "Continue to the dashboard",
    "sso.refused.as": "The identity provider recognised you as {email}.",
    "sso.refused.state_mismatch.title": "This sign-in could not be completed",
    "sso.refused.state_mismatch.body": (
        "No sign-in in progress in this browser matches this answer from the identity provider: "
        "it may have been used already, or the sign-in was started in another browser. Nobody "
        "was signed in: start again from the sign-in page."
    ),
    "sso.refused.expired.title": "This sign-in has expired",
    "sso.refused.expired.body": (
        "More than ten minutes have passed since the sign-in started. Nobody was signed in: "
        "start again from the sign-in page."
    ),
    "sso.refused.access_denied.title": "The identity provider declined the sign-in",
    "sso.refused.access_denied.body": (
        "The sign-in was cancelled or not allowed at the identity provider. You can start again "
        "from the sign-in page."
    ),
    "sso.refused.provider_error.title": "The identity provider answered with an error",
    "sso.refused.provider_error.body": (
        "Its answer could not be used and nobody was signed in. Try again; if it keeps "
        "happening, tell Tandem's administrator."
    ),
    "sso.refused.provider_unreachable.title": "The identity provider does not answer",
    "sso.refused.provider_unreachable.body": (
        "Tandem could not reach it. Try again in a few minutes; if it keeps happening, tell "
        "Tandem's administrator."
    ),
    "sso.refused.invalid_token.title": "Your identity could not be verified",
    "sso.refused.invalid_token.body": (
        "The identity provider's answer did not pass Tandem's checks (signature, issuer, "
        "audience or validity period). Nobody was signed in: tell Tandem's administrator."
    ),
    "sso.refused.unverified_email.title": "E-mail address not verified",
    "sso.refused.unverified_email.body": (
        "The identity provider does not vouch that your e-mail address is yours, so Tandem "
        "cannot recognise you by it. Have it verified there, then start again."
    ),
    "sso.refused.unknown_account.title": "No coordinator account for this address",
    "sso.refused.unknown_account.body": (
        "Your identity was verified, but no Tandem coordinator account has this e-mail address. "
        "Ask a Tandem administrator to create one for you."
    ),
}
